"""A local stand-in for the social platforms' publishing APIs, served by uvicorn on
127.0.0.1: it records every request as it arrived (method, path, headers, JSON or form
body) and answers as each platform documents, or with a failure the test scripts first."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.adapters.platform_api import BaseUrls

VIDEO_BYTES = bytes(range(256)) * 1200  # 300 KB, more than one chunk


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    form_items: list[tuple[str, str]] = field(default_factory=list)  # repeated keys kept
    size: int = 0  # bytes of a raw body (an upload)


@dataclass
class PlatformServer:
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    # (method, path) -> answers to give before the documented one, in order
    scripted: dict[tuple[str, str], list[Response]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # Instagram container processing: the status_code answers before FINISHED.
    processing: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def urls(self) -> BaseUrls:
        u = self.url
        return BaseUrls(
            twitter=u,
            linkedin=u,
            graph=f"{u}/graph",
            instagram=f"{u}/ig",
            tiktok=u,
            youtube=u,
            wordpress=u,
        )

    def settings_update(self) -> dict[str, Any]:
        u = self.urls
        return {
            "integration_adapter": "live",
            "twitter_api_base_url": u.twitter,
            "linkedin_api_base_url": u.linkedin,
            "facebook_graph_base_url": u.graph,
            "instagram_graph_base_url": u.instagram,
            "tiktok_api_base_url": u.tiktok,
            "youtube_api_base_url": u.youtube,
            "wordpress_api_base_url": u.wordpress,
            "instagram_poll_seconds": 0,
        }

    def fail(self, method: str, path: str, status: int, body: Any, *, times: int = 1) -> None:
        for _ in range(times):
            self.scripted[(method, path)].append(JSONResponse(body, status_code=status))

    def requests(self, path_end: str) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith(path_end)]

    async def handle(self, request: Request) -> Response:
        seen = Seen(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
        )
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            seen.json = await request.json()
        elif kind.startswith("application/x-www-form-urlencoded"):
            form = await request.form()
            seen.form = {k: str(v) for k, v in form.items()}
            seen.form_items = [(k, str(v)) for k, v in form.multi_items()]
        else:
            seen.size = len(await request.body())
        self.seen.append(seen)
        queue = self.scripted.get((request.method, request.url.path))
        if queue:
            return queue.pop(0)
        return self._documented(request, seen)

    def _documented(self, request: Request, seen: Seen) -> Response:
        path, n = request.url.path, next(self._ids)
        if path == "/media/clip.mp4":
            return Response(VIDEO_BYTES, media_type="video/mp4")
        if path == "/2/tweets":
            text = seen.json["text"]
            return JSONResponse({"data": {"id": f"18{n:017d}", "text": text}}, status_code=201)
        if path == "/rest/posts":
            return Response(status_code=201, headers={"x-restli-id": f"urn:li:share:71{n:017d}"})
        if path == "/oauth/token":  # a Facebook Login code exchange
            return JSONResponse({"access_token": "user-at", "token_type": "bearer"})
        if path == "/graph/me":
            return JSONResponse({"id": "u77", "name": "Orchard Person"})
        if path == "/graph/me/accounts":
            page = {"id": "1020", "name": "Orchard Co-op", "access_token": "page-at"}
            return JSONResponse({"data": [{**page, "followers_count": 845}]})
        if path.startswith("/graph/"):
            page, edge = path.split("/")[2:4]
            if edge == "photos":
                return JSONResponse({"id": f"55{n}", "post_id": f"{page}_66{n}"})
            return JSONResponse({"id": f"{page}_77{n}" if edge == "feed" else f"88{n}"})
        if path.startswith("/ig/"):
            if path.endswith("/media"):
                return JSONResponse({"id": f"container_{n}"})
            if path.endswith("/media_publish"):
                return JSONResponse({"id": f"1790{n:013d}"})
            status = self.processing.pop(0) if self.processing else "FINISHED"
            return JSONResponse({"status_code": status, "id": path.split("/")[-1]})
        if path.startswith("/v2/post/publish/"):
            ok = {"code": "ok", "message": "", "log_id": f"log{n}"}
            return JSONResponse({"data": {"publish_id": f"v_pub_url~v2.{n}"}, "error": ok})
        if path.startswith("/rest/v1.1/sites/") and path.endswith("/posts/new"):
            return JSONResponse({"ID": 40 + n, "URL": f"https://blog.example.test/?p={40 + n}"})
        if path == "/upload/youtube/v3/videos" and request.method == "POST":
            location = f"{self.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id=u{n}"
            return Response(status_code=200, headers={"location": location})
        if path == "/upload/youtube/v3/videos" and request.method == "PUT":
            return JSONResponse({"kind": "youtube#video", "id": f"vid{n:08d}"})
        return JSONResponse({"error": {"message": f"no route {path}"}}, status_code=404)


@contextlib.asynccontextmanager
async def platform_server() -> AsyncIterator[PlatformServer]:
    server_state = PlatformServer()
    route = Route("/{path:path}", server_state.handle, methods=["GET", "POST", "PUT"])
    config = uvicorn.Config(
        Starlette(routes=[route]), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    server_state.url = f"http://127.0.0.1:{port}"
    try:
        yield server_state
    finally:
        server.should_exit = True
        await task
