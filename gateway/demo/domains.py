"""The demo's domains, in load order. Each is `streams(ctx) -> list[Stream]` over data types
registered in gateway/ingestion; add a domain by writing its module and listing it here."""

from __future__ import annotations

from collections.abc import Callable

from gateway.demo import ads, coaching, organic, platform, social
from gateway.demo.streams import DemoContext, Stream

DOMAINS: list[tuple[str, Callable[[DemoContext], list[Stream]]]] = [
    ("platform", platform.streams),  # spec 000
    ("ads", ads.streams),  # spec 001
    ("coaching", coaching.streams),  # spec 002
    ("organic", organic.streams),  # spec 003
    ("social", social.streams),  # spec 004
]
