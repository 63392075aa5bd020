"""Build a big annual-plan file for timing the import (issue 16).

    python bench/import_file.py --projects 10000 --steps 5 --kpis 2000 \
        --out /tmp/plan-10k.xlsx

Projects are spread over the departments already in the database (run
``manage.py generate_data`` first); codes start at 9001 so they do not clash with
generated projects; KPI codes start at 90001, and each KPI links two projects
of the file. Written with openpyxl's write-only mode in bounded memory.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmaproj.settings")

import django  # noqa: E402

django.setup()

from openpyxl import Workbook  # noqa: E402

from projects import importing, thaicalendar  # noqa: E402
from projects.models import Department  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--kpis", type=int, default=2000)
    parser.add_argument(
        "--fiscal-year", type=int, default=thaicalendar.fiscal_year_of(date.today())
    )
    parser.add_argument("--out", default="/tmp/plan-10k.xlsx")
    options = parser.parse_args()
    departments = list(
        Department.objects.order_by("code").values_list("code", flat=True)
    )
    if not departments:
        sys.exit("No departments: run manage.py generate_data first.")

    def project_code(n: int) -> str:
        return f"{departments[n % len(departments)]}-{9001 + n // len(departments)}"

    start, end = thaicalendar.fiscal_year_bounds(options.fiscal_year)
    span = (end - start).days // options.steps
    workbook = Workbook(write_only=True)
    projects = workbook.create_sheet("Projects")
    steps = workbook.create_sheet("Steps")
    kpis = workbook.create_sheet("KPIs")
    kpis.append([column.key for column in importing.INDICATOR_COLUMNS])
    projects.append([column.key for column in importing.PROJECT_COLUMNS])
    steps.append([column.key for column in importing.STEP_COLUMNS])
    weight = 100 // options.steps
    weights = [weight] * (options.steps - 1) + [100 - weight * (options.steps - 1)]
    for n in range(options.projects):
        department = departments[n % len(departments)]
        code = project_code(n)
        projects.append(
            [
                code,
                f"โครงการนำเข้าทดสอบที่ {n + 1}",
                f"Imported test project {n + 1}",
                "project" if n % 3 else "activity",
                department,
                options.fiscal_year,
                "นายทดสอบ นำเข้า",
                "0 2224 1234",
                "21100100",
                "21100100",
                1000000 + n,
                "เหตุผลความจำเป็นของโครงการ",
                "วัตถุประสงค์ข้อหนึ่ง\nวัตถุประสงค์ข้อสอง",
                "เป้าหมายข้อหนึ่ง",
                "",
                "",
                "",
            ]
        )
        for index in range(options.steps):
            first = start + timedelta(days=index * span)
            last = end if index == options.steps - 1 else first + timedelta(span - 1)
            steps.append(
                [
                    code,
                    index + 1,
                    f"ขั้นตอนที่ {index + 1}",
                    weights[index],
                    thaicalendar.to_input(first),
                    last.isoformat(),
                ]
            )
    for n in range(options.kpis):
        department = departments[n % len(departments)]
        linked = [
            project_code(m) for m in (n, n + options.kpis) if m < options.projects
        ]
        kpis.append(
            [
                f"{department[:4]}-{90001 + n}",
                f"ตัวชี้วัดนำเข้าทดสอบที่ {n + 1}",
                f"Imported test KPI {n + 1}",
                "ร้อยละ" if n % 2 else "ฉบับ",
                80 if n % 2 else 4,
                "strategic",
                "output" if n % 3 else "outcome",
                department,
                options.fiscal_year,
                "นิยามของตัวชี้วัด",
                "วิธีคำนวณ",
                "latest" if n % 2 else "sum",
                "higher",
                ", ".join(linked),
            ]
        )
    workbook.save(options.out)
    print(
        f"{options.projects} projects, {options.projects * options.steps} steps, "
        f"{options.kpis} KPIs: "
        f"{options.out} ({Path(options.out).stat().st_size // 1024} KB)"
    )


if __name__ == "__main__":
    main()
