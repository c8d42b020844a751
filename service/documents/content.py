"""What an uploaded file really is: JPEG, PNG or PDF by its content, or refused.

The type is taken from the bytes (puremagic's signatures), never from the name or the
Content-Type the client sent; those must agree with the content when given, so a file
renamed to .pdf is refused rather than stored under a misleading name. A signature alone
is a few bytes, so each format's end marker is checked too: a truncated upload or a
script with a PNG header in front does not pass.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

import puremagic

from service.problems import BadRequest, UnsupportedMediaType

ALLOWED = ("image/jpeg", "image/png", "application/pdf")
EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}
# Clients that know nothing better send these; they claim nothing.
_UNCLAIMED = {"", "application/octet-stream", "binary/octet-stream"}
_PNG_END = b"IEND\xaeB`\x82"


@dataclass(frozen=True, slots=True)
class Checked:
    media_type: str
    sha256: bytes
    size: int
    filename: str


def _refuse(detail_en: str, detail_zh: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(detail_en, detail_zh, allowed=list(ALLOWED))


def detect(data: bytes) -> str | None:
    """JPEG, PNG or PDF when the content is one (signature and end marker), else None."""
    try:
        found = [m.mime_type for m in puremagic.magic_string(data)]
    except (puremagic.PureError, ValueError):
        return None
    kind = next((m for m in found if m in ALLOWED), None)
    tail = data[-2048:]
    if kind == "application/pdf" and data.startswith(b"%PDF-") and b"%%EOF" in tail:
        return kind
    if kind == "image/png" and data.rstrip(b"\x00").endswith(_PNG_END):
        return kind
    if kind == "image/jpeg" and data.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in tail:
        return kind
    return None


def clean_filename(raw: str) -> str:
    """The base name only, without control or format characters, at most 200 characters."""
    name = PurePosixPath(raw.replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if not name or name in (".", ".."):
        raise BadRequest(
            "Give the file's name as the `filename` parameter.", "请提供文件名（filename 参数）。"
        )
    return name[-200:]


def check(data: bytes, filename: str, claimed: str) -> Checked:
    """Refuse (415) anything but JPEG/PNG/PDF, or a name or type that disagrees with it."""
    name = clean_filename(filename)
    media_type = detect(data)
    if media_type is None:
        raise _refuse(
            "Only JPEG, PNG or PDF files are accepted (detected from the content).",
            "只能上传 JPG、PNG 图片或 PDF 文件（按文件内容识别）。",
        )
    by_name = EXTENSIONS.get(PurePosixPath(name.lower()).suffix)
    claimed = claimed.split(";", 1)[0].strip().lower()
    if (
        by_name is None
        or by_name != media_type
        or (claimed not in _UNCLAIMED and claimed != media_type)
    ):
        raise _refuse(
            f"The file's name or declared type does not match its content ({media_type}).",
            "文件名或声明的类型与文件内容不符，请上传原始的 JPG、PNG 或 PDF 文件。",
        )
    return Checked(media_type, hashlib.sha256(data).digest(), len(data), name)
