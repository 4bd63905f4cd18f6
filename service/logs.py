"""Logging set-up for `tessera serve` and `tessera worker`: plain text, or one JSON object per
line (``TESSERA_LOG_FORMAT=json``) for a log collector.

What is logged is the caller's choice; this module adds no request data. The service logs
requests by route template, status and duration only (service.api.metrics): never a
credential, a learner's name, a query string or a client address.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

#: Attributes every LogRecord has; anything else was passed with ``extra=`` and is emitted.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "taskName", "color_message"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(fmt: Literal["json", "text"], *, level: int = logging.INFO) -> None:
    """Route the root logger (and uvicorn's and procrastinate's) to stderr in ``fmt``."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "procrastinate"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # uvicorn's access log prints paths and client addresses: requests are logged by
    # service.api.metrics instead, by route template.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("procrastinate").setLevel(logging.WARNING)


__all__ = ["JsonFormatter", "configure_logging"]
