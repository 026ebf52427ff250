"""Every example in docs/ingestion.md is accepted as shown: uploaded into an empty
workspace (each data type after the ones its references need), none is refused."""

from __future__ import annotations

from gateway.ingestion import IngestionRejected
from gateway.ingestion.registry import REGISTRY, data_type_names


async def test_every_documented_example_is_accepted(upload):
    pending = list(data_type_names())
    refused: dict[str, object] = {}
    while pending:
        accepted = []
        for name in pending:
            spec = REGISTRY[name]
            try:
                await upload(name, [dict(spec.example), *map(dict, spec.more_examples)])
            except IngestionRejected as exc:
                refused[name] = [error.as_dict() for error in exc.errors]
            else:
                accepted.append(name)
        if not accepted:
            break  # what is left refers to ids no example provides, or fails validation
        pending = [name for name in pending if name not in accepted]
    assert pending == [], {name: refused[name] for name in pending}
