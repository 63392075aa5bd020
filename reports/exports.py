"""Excel and CSV exports of what a report page shows, streamed in bounded memory.

A ``Table`` is a list of columns and an iterable of rows of plain values (text,
Decimal, int, date or None); the rows are read once, as they are written, so a
queryset's ``iterator(chunk_size=…)`` keeps memory flat however many rows there
are. Both writers give every date two columns: the date as a person reads it
(BE, "15 ก.ย. 2563") and the date itself (an Excel date cell; ISO in CSV).

- ``xlsx_response``: openpyxl in write-only mode into a temporary file, then
  streamed from it (FileResponse is a StreamingHttpResponse): a bold, frozen
  header row, set column widths, numbers as numbers.
- ``csv_response``: UTF-8 with a byte-order mark, so Excel opens Thai text
  correctly, generated chunk by chunk into a StreamingHttpResponse.
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from projects import thaicalendar

TEXT, NUMBER, INTEGER, DATE = "text", "number", "integer", "date"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
CSV_CHUNK_ROWS = 500
EXCEL_DATE_FORMAT = "yyyy-mm-dd"
# A spreadsheet runs text that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """A column of an export: its header, kind of value and width in characters."""

    header: str
    kind: str = TEXT
    width: int = 14


@dataclass
class Table:
    """What an export writes: a sheet title, a file name, columns and rows."""

    title: str
    filename: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]

    def headers(self) -> list[str]:
        """The header row: a date column becomes its BE text and its date."""
        headers = []
        for column in self.columns:
            if column.kind == DATE:
                headers += [
                    _("%(column)s (B.E.)") % {"column": column.header},
                    str(column.header),
                ]
            else:
                headers.append(str(column.header))
        return headers

    def widths(self) -> list[int]:
        widths = []
        for column in self.columns:
            widths += [column.width] * (2 if column.kind == DATE else 1)
        return widths


def _lang() -> str:
    return get_language() or "th"


def _as_date(value: date | datetime | None) -> date | None:
    return thaicalendar.local_date(value) if value else None


# Excel


def write_xlsx(table: Table) -> tempfile.SpooledTemporaryFile:
    """Write the table as an .xlsx workbook into a temporary file, rewound."""
    lang = _lang()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(table.widths(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    header = []
    for text in table.headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cell.alignment = wrap
        header.append(cell)
    sheet.append(header)
    kinds = [column.kind for column in table.columns]
    for row in table.rows:
        cells: list[Any] = []
        for kind, value in zip(kinds, row, strict=True):
            if kind == DATE:
                day = _as_date(value)
                cells.append(thaicalendar.format_date(day, "short", lang) or None)
                if day is None:
                    cells.append(None)
                else:
                    cell = WriteOnlyCell(sheet, value=day)
                    cell.number_format = EXCEL_DATE_FORMAT
                    cells.append(cell)
            elif isinstance(value, str) and value:
                cells.append(_xlsx_text(sheet, value))
            else:
                cells.append(None if value == "" else value)
        sheet.append(cells)
    # Spilled to disk past 1 MB: memory stays bounded however long the sheet.
    # The response closes it when sent.
    file = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
    workbook.save(file)
    file.seek(0)
    return file


def _xlsx_text(sheet: Any, value: str) -> Any:
    """A text cell that a spreadsheet shows as typed, never runs as a formula.

    openpyxl stores text that starts with "=" as a formula, and refuses control
    characters (older rows may hold some); text starting with + - @ is kept as
    text too, with Excel's quote prefix so that editing the cell keeps it so.
    """
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith(FORMULA_STARTS):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def xlsx_response(table: Table) -> FileResponse:
    return FileResponse(
        write_xlsx(table),
        as_attachment=True,
        filename=f"{table.filename}.xlsx",
        content_type=XLSX_TYPE,
    )


# CSV


def _csv_text(value: Any) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_chunks(table: Table) -> Iterator[str]:
    """The table as CSV text, a byte-order mark first, a few hundred rows a chunk."""
    lang = _lang()
    kinds = [column.kind for column in table.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(table.headers())
    for number, row in enumerate(table.rows, start=1):
        cells: list[str] = []
        for kind, value in zip(kinds, row, strict=True):
            if value is None or value == "":
                cells += ["", ""] if kind == DATE else [""]
            elif kind == DATE:
                day = _as_date(value)
                cells += [thaicalendar.format_date(day, "short", lang), day.isoformat()]
            elif kind == TEXT:
                cells.append(_csv_text(value))
            else:
                cells.append(str(value))
        writer.writerow(cells)
        if number % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _in_language(chunks: Iterator[str], lang: str) -> Iterator[str]:
    # The chunks are made after the view has returned, while the server sends them.
    with override(lang):
        yield from chunks


def csv_response(table: Table) -> StreamingHttpResponse:
    chunks = _in_language(csv_chunks(table), _lang())
    # The first chunk runs the query now: an unreachable database is the view's
    # error (the portal's 503 page), not a download cut off after its headers.
    first = next(chunks)
    response = StreamingHttpResponse(
        itertools.chain([first], chunks), content_type=CSV_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{table.filename}.csv"'
    return response


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")
