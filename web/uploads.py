"""Checking an uploaded evidence file and naming a downloaded one, for the API and the pages
alike: one ``file`` part within the size limit (the app's ``EVIDENCE_MAX_BYTES``), of a media
type on the allow-list that its leading bytes bear out; and the download's
``Content-Disposition`` (always an attachment, the exact name kept as RFC 5987 ``filename*``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import quote

from flask import current_app, request

from caseflow.domain.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024  # default of the app's EVIDENCE_MAX_BYTES setting


def evidence_limit() -> int:
    """The largest evidence file taken, in bytes (the app's ``EVIDENCE_MAX_BYTES``)."""
    return int(current_app.config.get("EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES))


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TEXT_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _ooxml(part: str) -> Callable[[bytes], bool]:
    """An Office Open XML file: a zip holding ``[Content_Types].xml`` and a ``part`` folder."""
    def sniff(content: bytes) -> bool:
        if not content.startswith(b"PK\x03\x04"):
            return False
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(part) for n in names)
    return sniff


def _plain_text(content: bytes) -> bool:
    """Text (UTF-8 or GB 18030) without control characters other than tab and line ends."""
    if _TEXT_CONTROLS.search(content):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


SNIFFERS: dict[str, Callable[[bytes], bool]] = {
    "application/pdf": lambda b: b.startswith(b"%PDF-"),
    "image/jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "image/png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
    DOCX: _ooxml("word/"),
    XLSX: _ooxml("xl/"),
    "text/plain": _plain_text,
    "video/mp4": lambda b: b[4:8] == b"ftyp",
}
"""The media types evidence may have, each with the test its leading bytes must pass."""


def checked_upload() -> tuple[str, str, bytes]:
    """The uploaded file's name, media type and bytes: one ``file`` part, within the size
    limit (413), of an allowed type its bytes bear out (415)."""
    unknown = sorted(set(request.files) - {"file"})
    if unknown:
        raise ValidationFailed(f"{unknown[0]}: unknown file field; send the file as 'file'",
                               field=unknown[0])
    parts = request.files.getlist("file")
    if len(parts) != 1:
        raise ValidationFailed("file: exactly one file is required" if parts else
                               "file: is required (a multipart part with a filename)",
                               field="file")
    storage = parts[0]
    name = PurePosixPath((storage.filename or "").replace("\\", "/")).name.strip()
    if not name:
        raise ValidationFailed("file: the part needs a filename", field="file")
    limit = evidence_limit()
    content = storage.stream.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"file: over the limit of {limit} bytes ({limit // 1048576} MiB)",
                              field="file")
    if not content:
        raise ValidationFailed("file: is empty", field="file")
    declared = (storage.mimetype or "").lower()
    if declared not in SNIFFERS:
        raise UnsupportedMediaType(
            f"file: {declared or 'no type'} is not taken; evidence is one of "
            f"{', '.join(sorted(SNIFFERS))}", field="file")
    if not SNIFFERS[declared](content):
        raise UnsupportedMediaType(f"file: its content is not {declared} (its leading bytes "
                                   "say otherwise)", field="file")
    return name, declared, content


def disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name as RFC 5987 ``filename*``."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_"
                       for c in filename) or "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
