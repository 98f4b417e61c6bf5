"""Where uploaded files live: a small interface, with the disk under the var folder as its one backend.

The rest of the site only ever names a file by its key (server-made: ``[a-z0-9-]+.ext``, never a
name someone sent) and asks to save, read or delete it. An S3-compatible store is one more class with
these three methods and a line in ``build_media_store``; nothing else changes.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

# Keys are made by the site; anything else (a path, "..") is refused before the disk is touched.
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,98}\.[a-z0-9]{2,5}$")


class MediaStore(Protocol):
    def save(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"Not a media key: {key!r}")
    return key


class DiskStore:
    """Files in one folder, written whole or not at all (a temporary file renamed into place)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, key: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / check_key(key)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes | None:
        try:
            return (self.root / check_key(key)).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        (self.root / check_key(key)).unlink(missing_ok=True)


def build_media_store(media_dir: Path) -> MediaStore:
    return DiskStore(media_dir)
