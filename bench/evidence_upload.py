"""Upload of ten 5 MB photos to one progress report: time and peak memory.

Makes ten JPEG photos of about 5 MB each (12 megapixels of camera-like noise,
with EXIF and GPS), then posts them with a report to the update form through
Django's test client, in a fresh process on a scratch SQLite database, and
prints the wall time of the request and the process's peak resident memory
before and after it (ru_maxrss). Run:

    .venv/bin/python bench/evidence_upload.py [--photos 10] [--megabytes 5]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def photo(megabytes: float, seed: int) -> bytes:
    from PIL import ExifTags, Image

    width, height = 4000, 3000
    noise = Image.effect_noise((width // 4, height // 4), 60 + seed).convert("RGB")
    image = noise.resize((width, height), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitude] = (13.0, 45.0, 0.0)
    quality, data = 95, b""
    while quality > 40:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, exif=exif)
        data = buffer.getvalue()
        if len(data) <= megabytes * 1024 * 1024:
            break
        quality -= 1
    return data


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--megabytes", type=float, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="evidence-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ["EVIDENCE_MAX_FILES_PER_REPORT"] = str(args.photos)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bmaproj.settings"
    # The report is dated in fiscal year 2563: keep that year open.
    os.environ["FISCAL_YEAR_CLOSE_DAYS"] = "36500"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from evidence.models import Attachment
    from projects.models import Department, PlanStep, Project

    call_command("migrate", verbosity=0)
    setup_test_environment()
    from django.contrib.auth import get_user_model

    department = Department.objects.create(code="21000000", name_th="สยป.")
    project = Project.objects.create(
        code="21000000-1", name_th="ทดสอบ", department=department, fiscal_year=2563
    )
    PlanStep.objects.create(
        project=project,
        number=1,
        description="ทั้งปี",
        weight=100,
        planned_start=date(2019, 10, 1),
        planned_end=date(2020, 9, 30),
    )
    user = get_user_model().objects.create_user("bench", password="x")
    department.members.add(user)
    photos = [photo(args.megabytes, seed) for seed in range(args.photos)]
    sizes = [len(data) for data in photos]
    data = {
        "report_date": "15/9/2563",
        "percent": "100",
        "done": "เสร็จ",
        "evidence-TOTAL_FORMS": str(args.photos),
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "20",
    }
    for number, content in enumerate(photos):
        data[f"evidence-{number}-file"] = SimpleUploadedFile(
            f"photo{number}.jpg", content, "image/jpeg"
        )
    client = Client()
    client.force_login(user)
    before = peak_mb()
    started = time.perf_counter()
    response = client.post(f"/projects/{project.code}/updates/new/", data)
    elapsed = time.perf_counter() - started
    after = peak_mb()
    if response.status_code != 302:
        html = response.content.decode()
        start = html.find('id="form-errors"')
        sys.exit(f"not saved: {html[start : start + 1500]}")
    stored = sum(a.size for a in Attachment.objects.all())
    print(
        f"photos: {args.photos}, {min(sizes) / 1e6:.2f}-{max(sizes) / 1e6:.2f} MB each"
        f" ({sum(sizes) / 1e6:.1f} MB, 4000x3000)"
    )
    print(f"attachments stored: {Attachment.objects.count()}, {stored / 1e6:.1f} MB")
    print(f"request: {elapsed:.2f} s ({elapsed / args.photos:.2f} s a photo)")
    print(
        f"peak RSS: {before:.0f} MB before the request (photos built in memory),"
        f" {after:.0f} MB after"
    )


if __name__ == "__main__":
    main()
