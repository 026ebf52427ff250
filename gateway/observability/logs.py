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


def configure_structlog() -> None:
    """structlog's calls go through the standard library (no output of their own)."""
    structlog.configure(
        # the level first: a line the logger drops (the access log under LOG_LEVEL=warning)
        # costs no timestamp, context merge or rendering
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def formatter(fmt: str = "json") -> logging.Formatter:
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer()
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def install(*, level: str = "INFO", fmt: str = "json") -> None:
    """For a process serving the gateway (`gateway serve`, `worker`, the container): every
    log line, ours and the libraries', on stderr as LOG_FORMAT, and nothing else."""
    configure_structlog()
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    root.handlers = [handler]  # replaces the CLI's plain start-up handler
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
