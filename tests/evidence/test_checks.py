"""Type detection from the bytes, re-encoding without EXIF, and hostile files."""

import io

import pytest
from django.utils import translation
from PIL import ExifTags, Image

from evidence import checks
from tests.evidence import samples

LIMITS = checks.Limits()


def inspect(data: bytes, limits: checks.Limits = LIMITS) -> checks.Inspected:
    return checks.inspect(io.BytesIO(data), limits)


def test_jpeg_is_reencoded_without_exif_or_gps():
    original = samples.jpeg_with_gps()
    before = Image.open(io.BytesIO(original)).getexif()
    assert before.get_ifd(ExifTags.IFD.GPSInfo)  # the sample does carry GPS
    found = inspect(original)
    assert (found.kind, found.content_type, found.extension) == (
        "image",
        "image/jpeg",
        "jpg",
    )
    stored = found.content.getvalue()
    after = Image.open(io.BytesIO(stored))
    assert not after.getexif()
    assert b"TestCam" not in stored
    assert after.size == (64, 48)
    thumb = Image.open(io.BytesIO(found.thumbnail))
    assert thumb.format == "JPEG"


def test_png_and_webp_keep_their_format():
    found = inspect(samples.png())
    assert (found.content_type, found.extension) == ("image/png", "png")
    assert Image.open(found.content).format == "PNG"
    found = inspect(samples.webp())
    assert (found.content_type, found.extension) == ("image/webp", "webp")


def test_large_photo_is_scaled_to_the_longest_side():
    found = inspect(samples.jpeg_with_gps(size=(900, 300)), checks.Limits(max_side=300))
    assert (found.width, found.height) == (300, 100)


@pytest.mark.skipif(not checks.HEIF, reason="pillow-heif is not installed")
def test_heic_becomes_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (1, 2, 3)).save(buffer, "HEIF")
    found = inspect(buffer.getvalue())
    assert (found.content_type, found.extension) == ("image/jpeg", "jpg")
    assert Image.open(found.content).format == "JPEG"


def test_pdf_docx_and_odt_are_documents():
    found = inspect(samples.pdf())
    assert (found.kind, found.content_type) == ("document", "application/pdf")
    found = inspect(samples.docx())
    assert found.extension == "docx"
    assert found.content_type.endswith("wordprocessingml.document")
    assert inspect(samples.odt()).extension == "odt"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (samples.pdf(javascript="app.alert('x')"), "scripts"),
        (samples.pdf_with_escaped_javascript(), "scripts"),
        (samples.zip_bomb(), "zip bomb"),
        (samples.huge_png_header(), "pixels"),
        (b"just some text, named report.pdf\n", "not a supported"),
        (b"%PDF-1.4\nthis is no pdf at all", "damaged"),
        (samples.docm(), "macros"),
        (b"", "empty"),
    ],
    ids=[
        "pdf-javascript",
        "pdf-escaped-javascript",
        "zip-bomb",
        "huge-image-header",
        "text-as-pdf",
        "broken-pdf",
        "macros",
        "empty",
    ],
)
def test_hostile_and_wrong_files_are_refused(data, words):
    with pytest.raises(checks.Refused) as refused:
        inspect(data)
    assert words in str(refused.value)


def test_huge_image_is_refused_before_decoding(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("decoded")

    monkeypatch.setattr(Image.Image, "load", never)
    with pytest.raises(checks.Refused):
        inspect(samples.huge_png_header(20_000, 20_000))


def test_file_over_the_size_limit_is_refused_unread():
    with pytest.raises(checks.Refused, match="at most"):
        inspect(samples.pdf(), checks.Limits(max_bytes=100))


def test_refusals_are_in_thai_by_default():
    with translation.override("th"), pytest.raises(checks.Refused) as refused:
        inspect(samples.zip_bomb())
    assert "ไฟล์นี้คลายออกแล้วมีขนาดใหญ่กว่าตัวไฟล์มาก" in str(refused.value)
