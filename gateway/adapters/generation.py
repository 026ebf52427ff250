"""Generating marketing content: an OpenAI-compatible HTTP provider (GENERATION_ADAPTER=
openai: any server answering POST {GENERATION_BASE_URL}/chat/completions), or the built-in
offline generator (the default), which writes from templates driven by the workspace's
brand, the platform, tone and length, so the demo and the tests need no network.

Either way the result names the model that really produced it: the provider's `model`
field as it answered, or the offline generator's own name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import httpx
import orjson

from gateway.adapters import offline_writer

if TYPE_CHECKING:
    from gateway.settings import Settings

OFFLINE_MODEL = offline_writer.MODEL


@dataclass(frozen=True)
class Brand:
    """What the workspace says about itself (spec 004's business and brand settings)."""

    name: str
    voice: str | None = None
    style: str | None = None
    audience: str | None = None
    objectives: tuple[str, ...] = ()


@dataclass(frozen=True)
class GenerationRequest:
    platform: str  # tiktok | blog | email
    product: str
    content_type: str  # demo, unboxing, tutorial, announcement ...
    brand: Brand
    tone: str | None = None
    length: str | None = None  # short | medium | long
    context: str | None = None


@dataclass(frozen=True)
class Generated:
    title: str
    body: str
    model: str
    hashtags: tuple[str, ...] = field(default=())


class GenerationFailed(Exception):
    """The provider could not produce content; the message is the reason shown."""


class ContentGenerator(Protocol):
    name: str

    async def generate(self, request: GenerationRequest) -> Generated: ...


class OfflineGenerator:
    name = "offline"

    async def generate(self, request: GenerationRequest) -> Generated:
        return offline_writer.write(request)


_SYSTEM = (
    "You write marketing content for a brand. Answer with one JSON object with the keys "
    '"title" (a short headline) and "body" (the content itself), and nothing else.'
)


def prompt(request: GenerationRequest) -> str:
    brand = request.brand
    lines = [
        f"Platform: {request.platform}",
        f"Product: {request.product}",
        f"Content type: {request.content_type}",
        f"Tone: {request.tone or brand.voice or 'friendly'}",
        f"Length: {request.length or 'medium'}",
        f"Brand: {brand.name}",
    ]
    if brand.style:
        lines.append(f"Brand content style: {brand.style}")
    if brand.audience:
        lines.append(f"Target audience: {brand.audience}")
    if request.context:
        lines.append(f"Context: {request.context}")
    return "\n".join(lines)


class OpenAICompatible:
    name = "openai"

    def __init__(self, *, base_url: str, model: str, api_key: str | None, timeout: float) -> None:
        self.base_url, self.model, self.api_key, self.timeout = base_url, model, api_key, timeout

    async def generate(self, request: GenerationRequest) -> Generated:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": prompt(request)},
            ],
            "temperature": 0.8,
        }
        url = self.base_url.rstrip("/") + "/chat/completions"
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(url, json=body, headers=headers)
        except httpx.TimeoutException:
            raise GenerationFailed(
                f"the provider did not answer within {self.timeout:g}s"
            ) from None
        except httpx.HTTPError as exc:
            raise GenerationFailed(f"the provider could not be reached: {exc}") from None
        if response.status_code >= 400:
            raise GenerationFailed(
                f"the provider answered {response.status_code}: {_error_text(response)}"
            )
        return _parse(response, self.model)


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return response.text[:200] or response.reason_phrase
    if isinstance(error, dict):
        return str(error.get("message") or error)[:200]
    return str(error or response.reason_phrase)[:200]


def _parse(response: httpx.Response, asked_model: str) -> Generated:
    try:
        payload = response.json()
        text = payload["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise GenerationFailed("the provider's answer has no generated message") from None
    if not isinstance(text, str) or not text.strip():
        raise GenerationFailed("the provider generated nothing")
    model = payload.get("model") or asked_model
    try:
        parsed = orjson.loads(text.strip().removeprefix("```json").removesuffix("```"))
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("body"), str):
        title = str(parsed.get("title") or "").strip()
        return Generated(
            title=title or parsed["body"].split("\n")[0][:120], body=parsed["body"], model=model
        )
    first, _, rest = text.strip().partition("\n")
    return Generated(title=first.strip("# ").strip()[:200], body=rest.strip() or first, model=model)


def from_settings(settings: Settings) -> ContentGenerator:
    if settings.generation_adapter == "openai":
        key = settings.generation_api_key
        return OpenAICompatible(
            base_url=settings.generation_base_url,
            model=settings.generation_model,
            api_key=key.get_secret_value() if key else None,
            timeout=settings.generation_timeout_seconds,
        )
    return OfflineGenerator()
