"""Open data: each fiscal year's public tables in one zip archive.

Every table is written as CSV (UTF-8, through ``reports.exports.csv_chunks``, as
the portal's exports are) and as JSON, with a data dictionary (each column's
meaning in Thai and English, its type and unit) and a catalogue record (DCAT in
JSON-LD, with the fields Thai government CKAN portals ask for). Only what public
pages show goes in: approved reports and results, the derived figures read from
them.

The archive is built row by row into a temporary file that spills to disk past a
few megabytes, so memory stays bounded however large the year, and is kept in
the default file storage under the data version (``projects.cache``) and the
day: it is rebuilt only after a write (or the next day, as planned % moves).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import override

from indicators.models import CriterionScore, Indicator, IndicatorResult
from projects import thaicalendar
from projects.cache import data_version, release
from projects.models import (
    Department,
    PlanStep,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    StrategyNode,
)
from reports import exports
from reports.exports import DATE, INTEGER, NUMBER, TEXT

CHUNK = 2000
SPOOL_BYTES = 4 * 1024 * 1024
STORAGE_DIR = "open-data"
PUBLISHER = {
    "th": "กรุงเทพมหานคร",
    "en": "Bangkok Metropolitan Administration",
}
LICENSE = "https://opendefinition.org/licenses/cc-by/"
TITLE_TH = "ความคืบหน้าโครงการและตัวชี้วัด กรุงเทพมหานคร ปีงบประมาณ"
TITLE_EN = "BMA project progress and KPIs, fiscal year"


@dataclass(frozen=True)
class Field:
    """A column: its name, kind (reports.exports), unit, and meaning in Thai and
    English."""

    name: str
    kind: str
    th: str
    en: str
    unit: str = ""


@dataclass(frozen=True)
class OpenTable:
    name: str
    th: str
    en: str
    fields: tuple[Field, ...]
    rows: Callable[[int], Iterable[tuple]]

    def headers(self) -> list[str]:
        """The CSV header row, as ``reports.exports`` writes it (a date column is
        two: the date as people read it, in BE, and the ISO date)."""
        with override("th"):
            return self._export_table([]).headers()

    def dictionary(self) -> list[dict]:
        """One entry per CSV column, in order."""
        entries = []
        headers = iter(self.headers())
        for field in self.fields:
            if field.kind == DATE:
                entries.append(
                    _entry(
                        next(headers),
                        "text",
                        f"{field.th} (วันที่แบบไทย พ.ศ.)",
                        f"{field.en} (as people read it, Buddhist Era)",
                        "",
                    )
                )
            entries.append(
                _entry(next(headers), field.kind, field.th, field.en, field.unit)
            )
        return entries

    def _export_table(self, rows: Iterable) -> exports.Table:
        return exports.Table(
            title=self.name,
            filename=self.name,
            columns=[exports.Column(f.name, f.kind) for f in self.fields],
            rows=rows,
        )

    def csv_chunks(self, fiscal_year: int) -> Iterator[str]:
        with override("th"):
            yield from exports.csv_chunks(self._export_table(self.rows(fiscal_year)))

    def json_chunks(self, fiscal_year: int) -> Iterator[str]:
        """The rows as a JSON array of objects keyed by field name."""
        names = [field.name for field in self.fields]
        yield "["
        for number, row in enumerate(self.rows(fiscal_year)):
            record = dict(zip(names, map(_json_value, row), strict=True))
            yield (
                ("," if number else "") + "\n" + json.dumps(record, ensure_ascii=False)
            )
        yield "\n]\n"


def _entry(column: str, kind: str, th: str, en: str, unit: str) -> dict:
    return {"column": column, "type": kind, "unit": unit, "th": th, "en": en}


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


# The rows of each table for a fiscal year: plain values, read in chunks.


def _departments(fiscal_year: int) -> Iterable[tuple]:
    return (
        Department.objects.order_by("code")
        .values_list("code", "name_th", "name_en", "short_name", "kind", "parent__code")
        .iterator(chunk_size=CHUNK)
    )


def _strategies(fiscal_year: int) -> Iterable[tuple]:
    return (
        StrategyNode.objects.order_by("code")
        .values_list("code", "level", "title_th", "title_en", "parent__code")
        .iterator(chunk_size=CHUNK)
    )


def _projects(fiscal_year: int) -> Iterator[tuple]:
    on = thaicalendar.within_fiscal_year(timezone.localdate(), fiscal_year)
    projects = (
        Project.objects.for_fiscal_year(fiscal_year)
        .select_related("department")
        .prefetch_related(
            Prefetch("strategies", queryset=StrategyNode.objects.only("code"))
        )
        .with_progress(on)
        .with_money(on)
        .order_by("code")
    )
    for project in projects.iterator(chunk_size=CHUNK):
        yield (
            project.code,
            project.name_th,
            project.name_en,
            project.kind,
            project.department.code,
            project.fiscal_year,
            project.officer_name,
            project.budget_amount,
            "true" if project.is_routine else "false",
            ";".join(node.code for node in project.strategies.all()),
            project.progress_on,
            project.actual_percent,
            project.planned_percent,
            project.gap,
            project.status,
            project.last_report_date,
            "true" if project.report_overdue else "false",
            ";".join(f"{y}-{m:02d}" for y, m in project.missing_months),
            project.citizen_benefit,
            project.disbursed_amount,
            project.committed_amount,
            project.disbursed_percent,
            project.planned_disbursed_percent,
            project.money_status,
        )


def _plan_steps(fiscal_year: int) -> Iterable[tuple]:
    return (
        PlanStep.objects.filter(project__fiscal_year=fiscal_year)
        .order_by("project__code", "number")
        .values_list(
            "project__code",
            "number",
            "description",
            "weight",
            "planned_start",
            "planned_end",
        )
        .iterator(chunk_size=CHUNK)
    )


def _updates(fiscal_year: int) -> Iterable[tuple]:
    return (
        ProgressUpdate.objects.published()
        .filter(project__fiscal_year=fiscal_year)
        .order_by("project__code", "report_date")
        .values_list(
            "project__code", "report_date", "percent", "done", "problems", "obstacles"
        )
        .iterator(chunk_size=CHUNK)
    )


def _evaluations(fiscal_year: int) -> Iterable[tuple]:
    return (
        ProjectEvaluation.objects.filter(project__fiscal_year=fiscal_year)
        .order_by("project__code", "quarter")
        .values_list("project__code", "quarter", "score", "comment")
        .iterator(chunk_size=CHUNK)
    )


def _indicators(fiscal_year: int) -> Iterator[tuple]:
    indicators = (
        Indicator.objects.for_fiscal_year(fiscal_year)
        .with_achievement()
        .select_related("department")
        .order_by("code")
    )
    for indicator in indicators.iterator(chunk_size=CHUNK):
        achievement = indicator.achievement_percent(indicator.achieved)
        yield (
            indicator.code,
            indicator.name_th,
            indicator.name_en,
            indicator.unit,
            indicator.target,
            indicator.kind,
            indicator.level,
            indicator.department.code,
            indicator.fiscal_year,
            indicator.aggregation,
            indicator.direction,
            indicator.achieved,
            None if achievement is None else round(achievement, 2),
        )


def _results(fiscal_year: int) -> Iterable[tuple]:
    return (
        IndicatorResult.objects.published()
        .filter(indicator__fiscal_year=fiscal_year)
        .order_by("indicator__code", "quarter")
        .values_list("indicator__code", "quarter", "value", "report")
        .iterator(chunk_size=CHUNK)
    )


def _scores(fiscal_year: int) -> Iterable[tuple]:
    return (
        CriterionScore.objects.filter(evaluation__indicator__fiscal_year=fiscal_year)
        .order_by(
            "evaluation__indicator__code", "evaluation__quarter", "criterion__code"
        )
        .values_list(
            "evaluation__indicator__code",
            "evaluation__quarter",
            "criterion__code",
            "criterion__name_th",
            "criterion__name_en",
            "score",
        )
        .iterator(chunk_size=CHUNK)
    )


PERCENT = "ร้อยละ (%)"
PROJECT = Field("project_code", TEXT, "รหัสโครงการ", "Project code")
INDICATOR = Field("indicator_code", TEXT, "รหัสตัวชี้วัด", "KPI code")
QUARTER = Field(
    "quarter", INTEGER, "ไตรมาสของปีงบประมาณ (1–4)", "Quarter of the fiscal year (1–4)"
)

TABLES: tuple[OpenTable, ...] = (
    OpenTable(
        "departments",
        "หน่วยงาน",
        "Departments",
        (
            Field("code", TEXT, "รหัสหน่วยงาน 8 หลัก", "Eight-digit department code"),
            Field("name_th", TEXT, "ชื่อหน่วยงาน (ภาษาไทย)", "Name in Thai"),
            Field("name_en", TEXT, "ชื่อหน่วยงาน (ภาษาอังกฤษ)", "Name in English"),
            Field("short_name", TEXT, "ชื่อย่อ", "Short name"),
            Field(
                "kind",
                TEXT,
                "ประเภท: department / district / other",
                "Kind: department, district office or other",
            ),
            Field(
                "parent_code", TEXT, "รหัสหน่วยงานต้นสังกัด", "Code of the parent department"
            ),
        ),
        _departments,
    ),
    OpenTable(
        "strategies",
        "ยุทธศาสตร์ตามแผนพัฒนากรุงเทพมหานคร",
        "Strategy plan",
        (
            Field("code", TEXT, "รหัสยุทธศาสตร์ เช่น 5.2.1", "Strategy code, e.g. 5.2.1"),
            Field(
                "level",
                TEXT,
                "ระดับ: pillar / dimension / goal / objective",
                "Level: pillar, dimension, goal or objective",
            ),
            Field("title_th", TEXT, "ชื่อ (ภาษาไทย)", "Title in Thai"),
            Field("title_en", TEXT, "ชื่อ (ภาษาอังกฤษ)", "Title in English"),
            Field("parent_code", TEXT, "รหัสระดับบน", "Code of the level above"),
        ),
        _strategies,
    ),
    OpenTable(
        "projects",
        "โครงการและความคืบหน้า",
        "Projects and their progress",
        (
            Field("code", TEXT, "รหัสโครงการ", "Project code"),
            Field("name_th", TEXT, "ชื่อโครงการ (ภาษาไทย)", "Name in Thai"),
            Field("name_en", TEXT, "ชื่อโครงการ (ภาษาอังกฤษ)", "Name in English"),
            Field(
                "kind",
                TEXT,
                "ประเภท: project (โครงการ) / activity (กิจกรรม)",
                "Kind: project or activity",
            ),
            Field(
                "department_code",
                TEXT,
                "รหัสหน่วยงานที่รับผิดชอบ",
                "Code of the responsible department",
            ),
            Field(
                "fiscal_year", INTEGER, "ปีงบประมาณ (พ.ศ.)", "Fiscal year (Buddhist Era)"
            ),
            Field("officer_name", TEXT, "ผู้รับผิดชอบโครงการ", "Responsible officer"),
            Field("budget_amount", NUMBER, "งบประมาณ", "Budget", "บาท (baht)"),
            Field(
                "is_routine",
                TEXT,
                "ภารกิจงานประจำของหน่วยงาน (true/false)",
                "Routine work of the agency (true/false)",
            ),
            Field(
                "strategy_codes",
                TEXT,
                "รหัสยุทธศาสตร์ที่สนับสนุน คั่นด้วย ;",
                "Strategies supported, codes separated by ;",
            ),
            Field(
                "progress_on",
                DATE,
                "วันที่คำนวณตัวเลขความคืบหน้า",
                "Date the progress figures are read at",
            ),
            Field(
                "actual_percent",
                NUMBER,
                "ผลการดำเนินงานสะสม (รายงานที่อนุมัติล่าสุด)",
                "Cumulative progress (latest approved report)",
                PERCENT,
            ),
            Field(
                "planned_percent",
                NUMBER,
                "ความคืบหน้าตามแผน ณ วันที่คำนวณ",
                "Planned progress on that date",
                PERCENT,
            ),
            Field(
                "gap",
                NUMBER,
                "ผลต่างจากแผน (ผล − แผน)",
                "Schedule gap (actual − planned)",
                "จุดร้อยละ (percentage points)",
            ),
            Field(
                "status",
                TEXT,
                "สถานะ: complete / behind / not_started / on_track",
                "Status: complete, behind, not started or on track",
            ),
            Field(
                "last_report_date",
                DATE,
                "วันที่รายงานล่าสุดที่อนุมัติ",
                "Date of the latest approved report",
            ),
            Field(
                "report_overdue",
                TEXT,
                "ค้างส่งรายงานประจำเดือน (true/false)",
                "A monthly report is overdue (true/false)",
            ),
            Field(
                "overdue_months",
                TEXT,
                "เดือนที่ค้างส่งรายงาน (ปี ค.ศ.-เดือน) คั่นด้วย ;",
                "Months whose report is overdue (YYYY-MM), separated by ;",
            ),
            Field(
                "citizen_benefit",
                TEXT,
                "ประชาชนได้อะไรจากโครงการ",
                "What citizens get from the project",
            ),
            Field(
                "disbursed_amount",
                NUMBER,
                "เบิกจ่ายสะสม (รายงานที่อนุมัติล่าสุด)",
                "Cumulative disbursed (latest approved report)",
                "บาท (baht)",
            ),
            Field(
                "committed_amount",
                NUMBER,
                "ก่อหนี้ผูกพัน (รายงานที่อนุมัติล่าสุด)",
                "Committed (latest approved report)",
                "บาท (baht)",
            ),
            Field(
                "disbursed_percent",
                NUMBER,
                "เบิกจ่ายสะสมเทียบงบประมาณที่ได้รับจัดสรร",
                "Disbursed as a share of the allocation",
                PERCENT,
            ),
            Field(
                "planned_disbursed_percent",
                NUMBER,
                "แผนการเบิกจ่ายสะสม ณ วันที่คำนวณ",
                "Planned disbursement on that date, share of the allocation",
                PERCENT,
            ),
            Field(
                "money_status",
                TEXT,
                "สถานะการเบิกจ่าย: on_plan / behind / no_budget",
                "Disbursement status: on plan, behind or no allocation",
            ),
        ),
        _projects,
    ),
    OpenTable(
        "plan_steps",
        "แผนการดำเนินงาน",
        "Work plan steps",
        (
            PROJECT,
            Field("number", INTEGER, "ลำดับขั้นตอน", "Step number"),
            Field("description", TEXT, "รายละเอียดขั้นตอน", "Description"),
            Field("weight", NUMBER, "น้ำหนักของขั้นตอน", "Weight of the step", PERCENT),
            Field("planned_start", DATE, "วันเริ่มตามแผน", "Planned start"),
            Field("planned_end", DATE, "วันสิ้นสุดตามแผน", "Planned end"),
        ),
        _plan_steps,
    ),
    OpenTable(
        "progress_updates",
        "ผลการดำเนินงานรายเดือน (ที่อนุมัติแล้ว)",
        "Monthly progress reports (approved)",
        (
            PROJECT,
            Field("report_date", DATE, "วันที่รายงาน", "Report date"),
            Field(
                "percent", NUMBER, "ผลการดำเนินงานสะสม", "Cumulative progress", PERCENT
            ),
            Field("done", TEXT, "ผลการดำเนินงาน", "Work done"),
            Field("problems", TEXT, "ปัญหา (ว่าง = ไม่มี)", "Problems (empty: none)"),
            Field("obstacles", TEXT, "อุปสรรค (ว่าง = ไม่มี)", "Obstacles (empty: none)"),
        ),
        _updates,
    ),
    OpenTable(
        "project_evaluations",
        "ผลการประเมินโครงการรายไตรมาส (สยป.)",
        "Quarterly project evaluations",
        (
            PROJECT,
            QUARTER,
            Field("score", NUMBER, "คะแนนประเมิน", "Score", "คะแนน 0–100 (points)"),
            Field("comment", TEXT, "ความเห็นผู้ประเมิน", "Evaluator's comment"),
        ),
        _evaluations,
    ),
    OpenTable(
        "indicators",
        "ตัวชี้วัดและผลสัมฤทธิ์",
        "KPIs and their achievement",
        (
            Field("code", TEXT, "รหัสตัวชี้วัด", "KPI code"),
            Field("name_th", TEXT, "ชื่อตัวชี้วัด (ภาษาไทย)", "Name in Thai"),
            Field("name_en", TEXT, "ชื่อตัวชี้วัด (ภาษาอังกฤษ)", "Name in English"),
            Field(
                "unit",
                TEXT,
                "หน่วยนับของค่าเป้าหมายและผล",
                "Unit of the target and results",
            ),
            Field("target", NUMBER, "ค่าเป้าหมาย", "Target", "ตามคอลัมน์ unit (see unit)"),
            Field("kind", TEXT, "ประเภทตัวชี้วัด", "Kind of KPI"),
            Field("level", TEXT, "ระดับ: output / outcome", "Level: output or outcome"),
            Field(
                "department_code",
                TEXT,
                "รหัสหน่วยงานที่รับผิดชอบ",
                "Code of the responsible department",
            ),
            Field(
                "fiscal_year", INTEGER, "ปีงบประมาณ (พ.ศ.)", "Fiscal year (Buddhist Era)"
            ),
            Field(
                "aggregation",
                TEXT,
                "วิธีรวมผลรายไตรมาส: latest / sum / max / mean",
                "How quarter results combine: latest, sum, max or mean",
            ),
            Field(
                "direction",
                TEXT,
                "ทิศทาง: higher / lower ยิ่งดี",
                "Direction: higher or lower is better",
            ),
            Field(
                "achieved",
                NUMBER,
                "ผลที่ได้ (รวมผลที่อนุมัติแล้ว)",
                "Achieved (approved results combined)",
                "ตามคอลัมน์ unit (see unit)",
            ),
            Field(
                "achievement_percent",
                NUMBER,
                "ผลสัมฤทธิ์เทียบค่าเป้าหมาย",
                "Achievement against the target",
                PERCENT,
            ),
        ),
        _indicators,
    ),
    OpenTable(
        "indicator_results",
        "ผลตัวชี้วัดรายไตรมาส (ที่อนุมัติแล้ว)",
        "Quarterly KPI results (approved)",
        (
            INDICATOR,
            QUARTER,
            Field(
                "value",
                NUMBER,
                "ผลการดำเนินงาน",
                "Result",
                "ตามหน่วยของตัวชี้วัด (the KPI's unit)",
            ),
            Field("report", TEXT, "รายงานผล", "Report"),
        ),
        _results,
    ),
    OpenTable(
        "indicator_scores",
        "คะแนนประเมินตัวชี้วัดรายไตรมาส ตามเกณฑ์",
        "Quarterly KPI scores by criterion",
        (
            INDICATOR,
            QUARTER,
            Field("criterion_code", TEXT, "รหัสเกณฑ์การประเมิน", "Criterion code"),
            Field("criterion_th", TEXT, "ชื่อเกณฑ์ (ภาษาไทย)", "Criterion in Thai"),
            Field("criterion_en", TEXT, "ชื่อเกณฑ์ (ภาษาอังกฤษ)", "Criterion in English"),
            Field("score", NUMBER, "คะแนน", "Score", "คะแนน (points)"),
        ),
        _scores,
    ),
)


def dictionary() -> list[dict]:
    """The data dictionary: every table's columns, in the archive's order."""
    return [
        {
            "table": table.name,
            "th": table.th,
            "en": table.en,
            "columns": table.dictionary(),
        }
        for table in TABLES
    ]


def catalogue_record(fiscal_year: int, issued: datetime) -> dict:
    """A DCAT dataset in JSON-LD, with the CKAN fields data.go.th asks for."""
    starts, ends = thaicalendar.fiscal_year_bounds(fiscal_year)
    distributions = []
    for table in TABLES:
        for extension, media in (("csv", "text/csv"), ("json", "application/json")):
            distributions.append(
                {
                    "@type": "dcat:Distribution",
                    "dct:title": {"@language": "th", "@value": table.th},
                    "dct:description": {"@language": "en", "@value": table.en},
                    "dcat:mediaType": media,
                    "dcat:downloadURL": f"{table.name}.{extension}",
                    "dct:conformsTo": "data-dictionary.json",
                }
            )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@type": "dcat:Dataset",
        "dct:identifier": f"bma-project-progress-{fiscal_year}",
        "dct:title": [
            {
                "@language": "th",
                "@value": f"{TITLE_TH} {fiscal_year}",
            },
            {
                "@language": "en",
                "@value": f"{TITLE_EN} {fiscal_year} (B.E.)",
            },
        ],
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": PUBLISHER["th"]},
        "dct:issued": issued.isoformat(),
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": starts.isoformat(),
            "dcat:endDate": ends.isoformat(),
        },
        "dct:language": ["th", "en"],
        "dct:license": LICENSE,
        "dcat:keyword": ["กรุงเทพมหานคร", "โครงการ", "ตัวชี้วัด", "BMA", "KPI"],
        "dcat:distribution": distributions,
        # The fields of a dataset on Thai government CKAN portals (data.go.th).
        "ckan": {
            "name": f"bma-project-progress-{fiscal_year}",
            "title": f"{TITLE_TH} {fiscal_year}",
            "owner_org": PUBLISHER["th"],
            "maintainer": "สำนักยุทธศาสตร์และประเมินผล",
            "license_id": "cc-by",
            "data_type": "ข้อมูลสถิติ",
            "update_frequency_unit": "เดือน",
            "update_frequency_interval": 1,
            "geo_coverage": "กรุงเทพมหานคร",
            "data_format": ["CSV", "JSON"],
            "data_language": ["ไทย", "อังกฤษ"],
            "tags": ["โครงการ", "ตัวชี้วัด", "ความคืบหน้า"],
        },
    }


def write_archive(fiscal_year: int, file) -> None:
    """Write the year's archive into ``file`` (any writable binary file)."""
    issued = timezone.now()
    stamp = timezone.localtime(issued).timetuple()[:6]

    def member(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            with archive.open(member(f"{table.name}.csv"), "w") as out:
                for chunk in table.csv_chunks(fiscal_year):
                    out.write(chunk.encode())
            with archive.open(member(f"{table.name}.json"), "w") as out:
                for chunk in table.json_chunks(fiscal_year):
                    out.write(chunk.encode())
        entries = dictionary()
        archive.writestr(
            "data-dictionary.json", json.dumps(entries, ensure_ascii=False, indent=1)
        )
        with archive.open(member("data-dictionary.csv"), "w") as out:
            out.write("\ufefftable,column,type,unit,th,en\n".encode())
            for table in entries:
                for column in table["columns"]:
                    out.write(
                        _csv_line(
                            [
                                table["table"],
                                column["column"],
                                column["type"],
                                column["unit"],
                                column["th"],
                                column["en"],
                            ]
                        ).encode()
                    )
        archive.writestr(
            "catalog.jsonld",
            json.dumps(
                catalogue_record(fiscal_year, issued), ensure_ascii=False, indent=1
            ),
        )


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


def archive_name(fiscal_year: int) -> str:
    """The stored archive's name: the year, the day, the data version, the release."""
    return (
        f"{STORAGE_DIR}/{fiscal_year}/{timezone.localdate()}-{data_version()}"
        f"-{release()}.zip"
    )


def stored_archive(fiscal_year: int):
    """The year's archive as a file opened from storage, built first when the data
    changed since the last one (older ones of the year are removed)."""
    name = archive_name(fiscal_year)
    if not default_storage.exists(name):
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            write_archive(fiscal_year, spool)
            spool.seek(0)
            name = default_storage.save(name, File(spool))
        _remove_older(fiscal_year, keep=name)
    return default_storage.open(name, "rb")


def _remove_older(fiscal_year: int, keep: str) -> None:
    folder = f"{STORAGE_DIR}/{fiscal_year}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in files:
        path = f"{folder}/{file}"
        if path != keep:
            default_storage.delete(path)


def fiscal_years() -> list[int]:
    """The fiscal years that have projects or KPIs, newest first."""
    years = set(
        Project.objects.order_by().values_list("fiscal_year", flat=True).distinct()
    )
    years |= set(
        Indicator.objects.order_by().values_list("fiscal_year", flat=True).distinct()
    )
    return sorted(years, reverse=True)
