"""Logging: structured events with stable names, to stderr.

Each line is one event with key=value fields (``--log-format text``, logfmt) or
a JSON object (``--log-format json``), e.g.::

    ts=2026-11-25T20:13:54.120Z level=info event=batch_indexed worker=1 index=films docs=500 ms=12

Event names are stable, so ``grep event=search_unavailable`` finds every
outage. Configured once per process by :func:`configure` (the CLI and each
worker process call it); nothing is configured at import time.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
import structlog

LEVELS = ("debug", "info", "warning", "error")


def _json_renderer(_logger: Any, _name: str, event: dict[str, Any]) -> str:
    return orjson.dumps(event, default=str).decode()


def configure(level: str = "info", fmt: str = "text", **context: Any) -> None:
    """Route structlog events at ``level`` and above to stderr in ``fmt``.
    ``context`` is bound to every event of this process (e.g. ``worker=3``)."""
    renderer: Any
    if fmt == "json":
        renderer = _json_renderer
    else:
        renderer = structlog.processors.LogfmtRenderer(
            key_order=["ts", "level", "event"], drop_missing=True, bool_as_flag=False
        )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper(), logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.clear_contextvars()
    if context:
        structlog.contextvars.bind_contextvars(**context)


def get(name: str | None = None) -> Any:
    """A logger; ``name`` is added as ``component=``."""
    logger = structlog.get_logger()
    return logger.bind(component=name) if name else logger
