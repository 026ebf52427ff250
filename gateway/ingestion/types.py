"""Importing this module registers every domain's data types."""

from gateway.ingestion import (  # noqa: F401
    ads,
    coaching,
    organic,
    organic_email,
    platform_entities,
    platform_events,
    social,
)
