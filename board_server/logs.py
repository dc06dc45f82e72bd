"""Logging setup, in one place; secrets are redacted from every record."""

from __future__ import annotations

import logging
import re

_SECRET_PATTERNS = [
    (re.compile(r"(token=)[^&\s\"']+", re.IGNORECASE), r"\1[redacted]"),
    (re.compile(r"(bearer\s+)\S+", re.IGNORECASE), r"\1[redacted]"),
    (re.compile(r"\bv1\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}"), "[redacted-token]"),
]


def redact(text: str) -> str:
    """The text with anything that looks like a token replaced."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites each record's message so no token reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


class DropUvicornConnectionLines(logging.Filter):
    """Drops uvicorn's per-WebSocket "[accepted]" line: board.connection logs
    each connection once, with its role and room."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "uvicorn.error" and str(record.msg).endswith("[accepted]"))


def configure_logging(level: str) -> None:
    """Log to stderr, one line per event, through the redacting filter."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(DropUvicornConnectionLines())
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
