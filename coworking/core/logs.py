"""Log lines that cannot be forged: every value logged has its control characters escaped.

A path or a search typed by anyone ends up in log messages; a raw newline in it would start a
fake line ("…\\n127.0.0.1 - GET /admin 200"). Records are escaped where they are made, so the rule
holds for every logger — this app's, Litestar's and the server's — whatever handler writes them.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

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


# -- one JSON object per line, and how long each request took ------------------------------------------

requests_logger = logging.getLogger("coworking.requests")
# Attributes every LogRecord has: what is left on a record beyond them came as ``extra=``.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """A record as one JSON object on one line (for a log collector): time, level, logger, message, and the
    fields passed as ``extra`` (a request's method, path, status and duration)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            # Which process wrote it: with `serve --workers N` the lines of N processes interleave.
            "pid": record.process,
        }
        entry.update({key: value for key, value in record.__dict__.items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


JsonFormatter.converter = time.gmtime  # type: ignore[assignment] - times in UTC, as the "Z" says


def configure_logging(log_format: str) -> None:
    """``json``: every logger of the process (ours, the server's) writes one JSON object per line to stderr,
    and the server's own access line gives way to ours, which carries the duration. Otherwise: as is."""
    if log_format != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "granian"):
        server_logger = logging.getLogger(name)
        server_logger.handlers[:] = []
        server_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True


def timed(app: ASGIApp) -> ASGIApp:
    """Log each HTTP request once it is answered: method, route, status and milliseconds (INFO, logger
    ``coworking.requests``). Never the query string (it may hold what someone typed) nor a token in a path."""

    async def timing(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app fails before it answers

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            duration = round((time.perf_counter() - started) * 1000, 1)
            # The route's template, not the path: paths carry secrets (/account/reset/{token}, a sign-up's
            # private page) that whoever reads the logs must not get. A path no route matched is logged as is.
            path = escape_controls(scope.get("path_template") or scope["path"])
            requests_logger.info(
                "%s %s %s %.1f ms", scope["method"], path, status, duration,
                extra={"method": scope["method"], "path": path, "status": status, "duration_ms": duration},
            )  # fmt: skip

    return timing
