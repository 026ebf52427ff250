"""The open pixel every email to a lead carries (gateway/organic/opens.py): GET
/api/email/open?t=<token> answers a 1x1 transparent GIF that no cache keeps, whatever the
token, and records the message's first open. Mail clients load it blind: a bad token, a
second load or a database that is down must never answer anything but the image."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.organic import opens as service

log = logging.getLogger(__name__)

# The smallest transparent GIF89a: 1x1, one transparent palette entry.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_NO_STORE = {
    "Cache-Control": "no-store, no-cache, must-revalidate, max-age=0, private",
    "Pragma": "no-cache",
    "Expires": "0",
}


async def open_pixel(request: Request) -> Response:
    if request.method == "GET":  # a HEAD (link checkers) answers the image, records nothing
        try:
            async with request.app.state.sessions.begin() as session:
                await service.record_open(
                    session, request.app.state.settings, request.query_params.get("t", "")
                )
        except Exception:  # the image still answers; the open is lost, logged
            log.exception("recording an email open failed")
    return Response(PIXEL, media_type="image/gif", headers=_NO_STORE)


routes = [Route(service.PATH, open_pixel, methods=["GET"])]
