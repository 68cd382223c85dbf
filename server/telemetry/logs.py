"""Log lines: plain text for a terminal, or one JSON object a line (`CALLSHEET_LOG_FORMAT=json`, the
default in production mode) with the time, level, logger, message and the request's fields
(`request_id`, `operation`, `principal_id`, `role`, `duration_ms`, `outcome`, `status`, `method`,
`path`) when the line has them.

Every line passes `redact` after formatting: API tokens (`cs_…`), calendar feed secrets (`cf_…`) and
the secret segment of `/calendar/…` and `/review/…` paths never reach a handler, whoever logged them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

FIELDS = ("request_id", "operation", "outcome", "principal_id", "role", "method", "path", "status", "duration_ms")
_SECRETS = re.compile(r"\b(cs_|cf_)[A-Za-z0-9_\-]{4,}")
_SECRET_PATHS = re.compile(r"(/(?:calendar|review)/)[^/?#.\s\"']+")


def redact(text: str) -> str:
    """The text with every token and URL secret replaced by its kind."""
    # Each pattern starts with a fixed text: looking for that first spares most lines (every access
    # log line passes here) the two scans, about 7 us a line.
    if "cs_" in text or "cf_" in text:
        text = _SECRETS.sub(r"\1[secret]", text)
    if "/calendar/" in text or "/review/" in text:
        text = _SECRET_PATHS.sub(r"\1[secret]", text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Route every logger (ours, uvicorn's, the libraries') through one handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # library chatter (alembic, sqlalchemy) stays out
    for name in ("callsheet", "server", "db", "uvicorn.error"):
        logging.getLogger(name).setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
