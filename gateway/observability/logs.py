"""Structured logs: one JSON object a line on stderr, for the gateway's own structlog
calls and for every standard-library logger (uvicorn, SQLAlchemy, procrastinate, ours).

Each line carries what was bound for the request it belongs to: `request_id` (the
X-Request-ID), and once authenticated `principal` (account or key id) and `workspace`.
LOG_FORMAT=console prints the same fields readably, for a terminal.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

_HANDLER_NAME = "gateway-structured"

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]


def configure(*, level: str = "INFO", fmt: str = "json") -> None:
    """Idempotent: one handler on the root logger, installed once per process."""
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            *_SHARED,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        root.addHandler(handler)
    handler.setFormatter(formatter)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own handlers would print twice
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # the gateway logs each request


def bind_request(request_id: str) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)


def bind_principal(subject: str, workspace_id: str) -> None:
    structlog.contextvars.bind_contextvars(principal=subject, workspace=workspace_id)


def logger(name: str) -> Any:
    return structlog.get_logger(name)
