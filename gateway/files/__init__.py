"""Files the gateway produces for a workspace (analytics exports): written in chunks to
PostgreSQL by the job that makes them (store.py), downloaded through expiring signed links
or by an authenticated member of their workspace (routes.py), removed after their expiry
by a periodic job (jobs.py)."""

from gateway.files.store import (
    CHUNK_BYTES,
    FileWriter,
    find,
    open_writer,
    signed_path,
    signed_url,
    valid_signature,
)

__all__ = [
    "CHUNK_BYTES",
    "FileWriter",
    "find",
    "open_writer",
    "signed_path",
    "signed_url",
    "valid_signature",
]
