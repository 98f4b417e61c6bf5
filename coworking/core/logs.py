"""Log lines that cannot be forged: every value logged has its control characters escaped.

A path or a search typed by anyone ends up in log messages; a raw newline in it would start a
fake line ("…\\n127.0.0.1 - GET /admin 200"). Records are escaped where they are made, so the rule
holds for every logger — this app's, Litestar's and the server's — whatever handler writes them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """Control characters as visible escapes: a newline becomes the two characters ``\\n``."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def _escaped(value: Any) -> Any:  # noqa: ANN401 - any logged value
    return escape_controls(value) if isinstance(value, str) else value


def install_log_escaping() -> None:
    """Make every new log record escape control characters in its message and arguments (once per process)."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "escapes_controls", False):
        return

    def escaping_record(*args: Any, **kwargs: Any) -> logging.LogRecord:  # noqa: ANN401
        record = make_record(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = escape_controls(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _escaped(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_escaped(value) for value in record.args)
        return record

    escaping_record.escapes_controls = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(escaping_record)
