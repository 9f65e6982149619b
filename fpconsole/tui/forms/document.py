"""The ID document field takes a path to a PDF file or the PDF's base64.

People have a scanned file, not base64, so a path is read and encoded when the body is built.
A file is read once per version (path, size, modification time): validating as the user types
does not re-read two megabytes every few hundred milliseconds.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

from fpconsole.api.fields import MAX_DOCUMENT_BYTES

_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/=\s]+")
# Every PDF starts with "%PDF-", whose base64 starts with this.
_PDF_BASE64_START = "JVBER"


class DocumentError(ValueError):
    """The document cannot be used; the message says why and what to do."""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@functools.lru_cache(maxsize=4)
def _encoded(path: str, size: int, mtime_ns: int) -> str:
    # size and mtime_ns are the cache key: a changed file is read again.
    del size, mtime_ns
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not raw.startswith(b"%PDF-"):
        raise DocumentError(f"{path} is not a PDF file (it does not start with %PDF-)")
    return base64.b64encode(raw).decode("ascii")


def looks_like_path(text: str) -> bool:
    """Base64 cannot contain '.', '~' or '\\', and a PDF's base64 starts with JVBER."""
    text = text.strip()
    if not text or text.startswith(_PDF_BASE64_START):
        return False
    if Path(text).expanduser().is_file():
        return True
    return (
        not _BASE64_TEXT.fullmatch(text) or text.startswith(("/", "~", ".")) or text.lower().endswith(".pdf")
    )


def resolve_document(text: str) -> str:
    """Base64 for the request: a path is read and encoded; base64 text passes through (the
    request model then checks it). Raises DocumentError with a message for the field."""
    text = text.strip()
    if not looks_like_path(text):
        return text
    path = Path(text).expanduser()
    try:
        stat = path.stat()
    except OSError:
        raise DocumentError(f"no such file: {text} (give a path to a PDF file, or its base64)") from None
    if not path.is_file():
        raise DocumentError(f"{text} is not a file")
    if stat.st_size > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            f"{text} is {_megabytes(stat.st_size)}; the limit is 2 MB — scan it at a lower resolution"
        )
    return _encoded(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
