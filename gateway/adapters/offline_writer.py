"""The offline content generator's templates: a TikTok script, a blog post or an email,
written from the brand (name, voice, audience), the product, the content type, the
tone and the length. Deterministic: the same request always reads the same, so the demo
and the tests can rely on it; the choices between phrasings are keyed on the request.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.adapters.generation import Generated, GenerationRequest

MODEL = "gateway-offline-writer-1"

# How many beats (TikTok), sections (blog) or paragraphs (email) each length has.
_LENGTHS = {"short": 2, "medium": 4, "long": 6}
_ANGLES = {
    "demo": "Product Demo",
    "unboxing": "Unboxing",
    "tutorial": "How To Play",
    "announcement": "Introducing",
    "review": "Honest Review",
    "behind-the-scenes": "Behind The Scenes",
}
_OPENERS = {
    "casual": ("Okay, real talk:", "Quick one for you:", "So here's the thing:"),
    "professional": ("Here is what sets it apart.", "A closer look.", "The essentials."),
    "playful": ("Plot twist:", "Warning: highly addictive.", "Hold my cards."),
    "inspirational": ("Every great story starts somewhere.", "Dream bigger.", "Make it yours."),
    "urgent": ("Don't miss this.", "Last chance:", "This won't last."),
}
_BEATS = (
    "Show {product} in the first second, close up.",
    "Explain the one thing that makes {product} different.",
    "Cut to a real moment of someone using {product}.",
    "Answer the question everyone asks about {product}.",
    "Share a quick tip that gets more out of {product}.",
    "End on the reaction, then the call to action.",
)
_SECTIONS = (
    ("Why {product}", "{brand} made {product} for {audience}. {context}"),
    ("Getting started", "Unbox {product}, skim the quick guide and you are ready in minutes."),
    ("What makes it different", "{product} is built around what {audience} asked us for."),
    ("Tips from the team", "Start simple, then add one new idea at a time."),
    ("What people say", "The first question is always: where has {product} been all my life?"),
    ("What comes next", "We keep improving {product}, and we listen to every message."),
)
_CALLS = {
    "tiktok": "Follow {brand} for more and grab {product} through the link in bio.",
    "blog": "Try {product} today, and tell {brand} what you think.",
    "email": "Get {product} now: just reply to this email if you have any question.",
}


def _pick(options: tuple[str, ...], *keys: str) -> str:
    digest = hashlib.sha256("|".join(keys).encode()).digest()
    return options[digest[0] % len(options)]


def _tag(text: str) -> str:
    return "#" + re.sub(r"[^a-z0-9]", "", text.lower())


def write(request: GenerationRequest) -> Generated:
    from gateway.adapters.generation import Generated

    brand = request.brand
    tone = (request.tone or brand.voice or "casual").lower()
    size = _LENGTHS.get((request.length or "medium").lower(), 4)
    angle = _ANGLES.get(request.content_type.lower(), request.content_type.title())
    fields = {
        "product": request.product,
        "brand": brand.name,
        "audience": brand.audience or "people like you",
        "context": (request.context or "").strip(),
    }
    opener = _pick(_OPENERS.get(tone, _OPENERS["casual"]), request.product, request.content_type)
    call = _CALLS.get(request.platform, _CALLS["blog"]).format(**fields)
    hashtags = tuple(dict.fromkeys([_tag(request.product), _tag(brand.name), _tag(angle)]))
    title = f"{angle}: {request.product}"
    if request.platform == "tiktok":
        beats = [f"{n}. {b.format(**fields)}" for n, b in enumerate(_BEATS[:size], 1)]
        lines = [f"Hook: {opener} {request.product} by {brand.name}.", *beats]
        if fields["context"]:
            lines.append(f"Focus: {fields['context']}")
        body = "\n".join([*lines, call, " ".join(hashtags)])
    elif request.platform == "email":
        paragraphs = [f"Hi there,\n\n{opener} {angle.lower()} of {request.product}."]
        paragraphs += [text.format(**fields).strip() for _, text in _SECTIONS[1:size]]
        if fields["context"]:
            paragraphs.append(fields["context"])
        body = "\n\n".join([*paragraphs, call, f"The {brand.name} team"])
    else:
        sections = [
            f"## {heading.format(**fields)}\n\n{text.format(**fields).strip()}"
            for heading, text in _SECTIONS[:size]
        ]
        body = "\n\n".join([f"{opener} {title}.", *sections, call])
    return Generated(title=title, body=body, model=MODEL, hashtags=hashtags)
