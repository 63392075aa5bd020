"""The open-data page and each fiscal year's archive."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from api import opendata
from projects import access, thaicalendar
from projects.cache import public_page


@require_safe
@access.public_read
@public_page()
def catalogue(request: HttpRequest) -> HttpResponse:
    """The fiscal years with an archive each, what an archive holds, the API."""
    years = [
        (year, *thaicalendar.fiscal_year_bounds(year))
        for year in opendata.fiscal_years()
    ]
    return render(
        request,
        "api/open_data.html",
        {"years": years, "tables": opendata.dictionary()},
    )


@require_safe
@access.public_read
def archive(request: HttpRequest, fiscal_year: int) -> FileResponse:
    """A fiscal year's archive (zip), built when the data changed since the last."""
    if fiscal_year not in opendata.fiscal_years():
        raise Http404
    return FileResponse(
        opendata.stored_archive(fiscal_year),
        as_attachment=True,
        filename=f"bma-open-data-{fiscal_year}.zip",
        content_type="application/zip",
    )
