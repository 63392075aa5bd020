"""A static-files finder for the third-party browser files the portal serves.

They come from pinned registry packages and are never committed:

- ``vendor/plotly-basic.min.js``: plotly.js' partial bundle with the traces the
  portal draws (scatter, bar), from the npm package ``plotly.js-basic-dist-min``
  (package.json, installed into node_modules by ``make install``), about a quarter
  of the full build. Without node_modules (no npm on the machine) the full build
  that the plotly Python package ships (pyproject.toml) stands in, so the charts
  still draw, only heavier.
- ``vendor/sarabun/<file>.woff2``: the Sarabun font's Thai and Latin subsets from
  the npm package ``@fontsource/sarabun``, named by static/css/fonts.css.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import plotly
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
PLOTLY_FULL = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_BASIC = NODE_MODULES / "plotly.js-basic-dist-min" / "plotly-basic.min.js"
SARABUN_DIR = NODE_MODULES / "@fontsource" / "sarabun" / "files"
SARABUN_FILES = [
    f"sarabun-{subset}-{weight}-normal.woff2"
    for subset in ("thai", "latin")
    for weight in (400, 700)
]


def vendor_files() -> dict[str, Path]:
    """Public static path -> file on disk, for the files that are there."""
    plotly_js = PLOTLY_BASIC if PLOTLY_BASIC.exists() else PLOTLY_FULL
    files = {"vendor/plotly-basic.min.js": plotly_js}
    for name in SARABUN_FILES:
        files[f"vendor/sarabun/{name}"] = SARABUN_DIR / name
    return {path: file for path, file in files.items() if file.exists()}


class VendorFinder(BaseFinder):
    def check(self, **kwargs) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        file = vendor_files().get(path)
        if file is None:
            return []
        return [str(file)] if find_all else str(file)

    def list(self, ignore_patterns) -> Iterator[tuple[str, FileSystemStorage]]:
        for path, file in vendor_files().items():
            storage = FileSystemStorage(location=str(file.parent))
            storage.prefix = str(Path(path).parent)
            yield file.name, storage
