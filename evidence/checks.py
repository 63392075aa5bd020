"""What a file is, decided from its bytes, and a safe copy of it.

``inspect`` reads an uploaded file (any binary file object, already capped in
size by the caller) and either refuses it with ``Refused`` (a message for the
person) or returns ``Inspected``: its kind, content type and extension, and for
images a re-encoded copy (which drops EXIF, GPS positions included) and a
thumbnail. Nothing here touches the database or Django's settings: the limits
come in as ``Limits``.

- Images (JPEG, PNG, WebP, and HEIC/HEIF when pillow-heif is installed) are
  opened with Pillow from their header; their pixel count is checked before any
  pixel is decoded (a 100,000 × 100,000 header is refused without allocating),
  then decoded, turned upright (EXIF orientation), shrunk to ``max_side``, and
  saved again without metadata. HEIC becomes JPEG, which browsers show.
- PDFs must open with pypdf and have at least one page; a PDF carrying
  JavaScript, launch, embedded-file or form-submission actions is refused. The
  check reads every object's dictionary, and also the raw bytes (names spelt
  with ``#xx`` escapes are decoded), without rendering anything.
- Office documents (docx, xlsx, pptx; odt, ods, odp) are zip files: the central
  directory is read without extracting anything. Too many entries, a declared
  total too large or an entry compressed more than ``max_zip_ratio`` times is a
  zip bomb and refused; macros (``vbaProject.bin``) are refused.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC photos from phones, when the well-kept pillow-heif installs.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - depends on the machine
    HEIF = False

IMAGE, DOCUMENT = "image", "document"
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
if HEIF:
    IMAGE_FORMATS["HEIF"] = ("image/jpeg", "jpg")
PDF = ("application/pdf", "pdf")
OOXML = {
    "word/": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "xl/": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "ppt/": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
}
OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
# PDF names that run or carry something: scripts, launching programs, embedded
# files, forms sent elsewhere, rich media.
PDF_ACTIVE = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/SubmitForm",
        "/ImportData",
        "/RichMedia",
        "/XFA",
    }
)
PDF_NAME = re.compile(rb"/[A-Za-z0-9#]+")
PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
THUMBNAIL_SIDE = 320
HEAD = 4096


class Refused(Exception):
    """The file is not one the portal keeps; the message says why, to the person."""


@dataclass(frozen=True)
class Limits:
    """How large a file may be (bytes), images in pixels, zips in entries and ratio."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_side: int = 4096
    max_zip_entries: int = 2000
    max_zip_total: int = 200 * 1024 * 1024
    max_zip_ratio: int = 100
    max_pdf_objects: int = 200_000


@dataclass
class Inspected:
    """A file the portal keeps: what it is, and for images the copy to store."""

    kind: str
    content_type: str
    extension: str
    content: BinaryIO
    size: int
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def inspect(file: BinaryIO, limits: Limits) -> Inspected:
    """Decide what ``file`` is from its bytes and return what to store, or refuse."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    if size == 0:
        raise Refused(_("The file is empty."))
    if size > limits.max_bytes:
        raise Refused(
            _("The file is %(size)s; a file may be at most %(limit)s.")
            % {"size": human_size(size), "limit": human_size(limits.max_bytes)}
        )
    head = file.read(HEAD)
    file.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _office(file, size, limits)
    if b"%PDF-" in head[:1024]:
        return _pdf(file, size, limits)
    return _image(file, limits)


def human_size(size: int) -> str:
    """Bytes in words people read: 512 KB, 5.0 MB."""
    if size < 1024 * 1024:
        return f"{max(size // 1024, 1)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _not_supported() -> Refused:
    return Refused(
        _(
            "This file is not a supported photo (JPEG, PNG, WebP, HEIC) or "
            "document (PDF, Word, Excel, PowerPoint, OpenDocument), whatever its "
            "name says."
        )
    )


def _image(file: BinaryIO, limits: Limits) -> Inspected:
    try:
        with warnings.catch_warnings():
            # Pillow warns, then errors, on decompression bombs; the pixel count
            # is checked here first against our own, lower limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=list(IMAGE_FORMATS))
            width, height = image.size
            if width * height > limits.max_pixels:
                raise Refused(
                    _(
                        "The photo is %(width)s × %(height)s pixels; a photo may "
                        "have at most %(limit)s million pixels."
                    )
                    % {
                        "width": f"{width:,}",
                        "height": f"{height:,}",
                        "limit": limits.max_pixels // 1_000_000,
                    }
                )
            source_format = image.format
            image.load()
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Refused(
            _(
                "The photo has too many pixels; a photo may have at most %(limit)s "
                "million pixels."
            )
            % {"limit": limits.max_pixels // 1_000_000}
        ) from error
    except UnidentifiedImageError as error:
        raise _not_supported() from error
    except (OSError, ValueError, SyntaxError) as error:
        raise Refused(_("The photo is damaged and cannot be opened.")) from error
    content_type, extension = IMAGE_FORMATS[source_format]
    image = ImageOps.exif_transpose(image)
    image.thumbnail((limits.max_side, limits.max_side))
    out_format = "JPEG" if extension == "jpg" else source_format
    content = io.BytesIO()
    _save(image, content, out_format)
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    thumbnail = io.BytesIO()
    _save(thumb, thumbnail, "JPEG")
    content.seek(0)
    return Inspected(
        kind=IMAGE,
        content_type=content_type,
        extension=extension,
        content=content,
        size=content.getbuffer().nbytes,
        thumbnail=thumbnail.getvalue(),
        width=image.width,
        height=image.height,
    )


def _save(image: Image.Image, target: BinaryIO, out_format: str) -> None:
    """Save pixels only: no EXIF, XMP, ICC or text chunks are passed on."""
    if out_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        image.save(target, "JPEG", quality=85, optimize=False)
    elif out_format == "PNG":
        image.save(target, "PNG")
    else:
        image.save(target, "WEBP", quality=85)


def _pdf(file: BinaryIO, size: int, limits: Limits) -> Inspected:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    from pypdf.generic import DictionaryObject, IndirectObject

    data = file.read()
    file.seek(0)
    if _active_names(data):
        raise _pdf_active()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused(_("The PDF is protected by a password; attach it without."))
        if len(reader.pages) == 0:
            raise Refused(_("The PDF has no pages."))
        reader.pages[0].get("/Contents")
        seen = 0
        for generation in reader.xref.values():
            for number in generation:
                seen += 1
                if seen > limits.max_pdf_objects:
                    raise Refused(_("The PDF is too complex to check."))
                found = reader.get_object(IndirectObject(number, 0, reader))
                if isinstance(found, DictionaryObject) and _dict_active(found):
                    raise _pdf_active()
        for number in list(getattr(reader, "xref_objStm", {})):
            seen += 1
            if seen > limits.max_pdf_objects:
                raise Refused(_("The PDF is too complex to check."))
            found = reader.get_object(IndirectObject(number, 0, reader))
            if isinstance(found, DictionaryObject) and _dict_active(found):
                raise _pdf_active()
    except Refused:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, RecursionError):
        raise Refused(
            _("The PDF is damaged and cannot be opened; save it again and attach it.")
        ) from None
    content_type, extension = PDF
    return Inspected(DOCUMENT, content_type, extension, file, size)


def _pdf_active() -> Refused:
    return Refused(
        _(
            "The PDF contains scripts, embedded files or actions that run programs; "
            "print it to a new PDF and attach that one."
        )
    )


def _active_names(data: bytes) -> bool:
    """True when the bytes outside streams name an active feature
    (``/J#61vaScript`` too). Stream contents (images, compressed pages) are left
    out: their random bytes would match; pypdf's walk reads object streams."""
    outside = PDF_STREAM.sub(b"", data)
    for match in PDF_NAME.finditer(outside):
        name = match.group()
        if b"#" in name:
            name = re.sub(
                rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name
            )
        if name.decode("latin-1") in PDF_ACTIVE:
            return True
    return False


def _dict_active(found) -> bool:
    if any(str(key) in PDF_ACTIVE for key in found):
        return True
    action = found.get("/S")
    return action is not None and str(action) in PDF_ACTIVE


def _office(file: BinaryIO, size: int, limits: Limits) -> Inspected:
    try:
        archive = zipfile.ZipFile(file)
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _not_supported() from error
    if len(entries) > limits.max_zip_entries:
        raise _zip_bomb()
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.compress_size == 0 and entry.file_size > 0:
            raise _zip_bomb()
        if (
            entry.file_size > 1024 * 1024
            and entry.file_size > entry.compress_size * limits.max_zip_ratio
        ):
            raise _zip_bomb()
    if total > limits.max_zip_total:
        raise _zip_bomb()
    names = {entry.filename for entry in entries}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise Refused(
            _("The document contains macros; save it without macros and attach it.")
        )
    found = None
    if "[Content_Types].xml" in names:
        found = next(
            (kind for prefix, kind in OOXML.items() if f"{prefix}" in _tops(names)),
            None,
        )
    elif "mimetype" in names:
        with archive.open("mimetype") as handle:
            mimetype = handle.read(100).decode("ascii", "replace").strip()
        if mimetype in OPENDOCUMENT:
            found = (mimetype, OPENDOCUMENT[mimetype])
    if found is None:
        raise _not_supported()
    file.seek(0)
    return Inspected(DOCUMENT, found[0], found[1], file, size)


def _tops(names: set[str]) -> set[str]:
    return {name.split("/", 1)[0] + "/" for name in names if "/" in name}


def _zip_bomb() -> Refused:
    return Refused(
        _("The file unpacks to far more than its size (a zip bomb) and is refused.")
    )
