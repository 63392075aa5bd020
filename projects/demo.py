"""The seed project 21000000-3152 as the original portal's page shows it, and its writer.

The values are copied from ``seed/project-21000000-3152.txt`` (see the design notes).
What the page shows as decoration is dropped: the "2.1"/"3.1" numbering of objectives
and targets (the page numbers list items itself) and the BE date typed by hand in
front of each narrative (the report date is a field). The oddities the evaluators
must see are kept: the KPI's results 15/40/0/1 and the 100/100 scores of every
quarter. "ไม่มี" and "-" are kept as the page shows them; the fields store them
as empty.
"""

# ruff: noqa: E501
# The Thai texts are verbatim and are split only at spaces, so some lines are long.

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from projects import access, approval, progress, services, thaicalendar
from projects.history import IMPORTED
from projects.models import (
    BudgetCategory,
    BudgetLine,
    Department,
    PlanStep,
    Profile,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    QuarterLock,
)

SEED_PROJECT_CODE = "21000000-3152"
SEED_FISCAL_YEAR = 2563


@dataclass(frozen=True)
class SeedUpdate:
    """One progress report of the seed page (ผลการดำเนินงาน)."""

    report_date: date
    percent: Decimal
    done: str
    problems: str
    obstacles: str


@dataclass(frozen=True)
class SeedStep:
    """One step of the seed page's work plan (แผนการดำเนินงานฯ)."""

    number: int
    description: str
    weight: Decimal
    planned_start: date
    planned_end: date


DEPARTMENT = {
    "code": "21000000",
    # The page's header spells it with a decomposed sara am (สํานัก); stored composed.
    "name_th": "สำนักยุทธศาสตร์และประเมินผล",
    "name_en": "Strategy and Evaluation Department",
    "short_name": "สยป.",
    "kind": Department.Kind.DEPARTMENT,
}

PROJECT = {
    "code": SEED_PROJECT_CODE,
    "name_th": (
        "กิจกรรมเสริมสร้างความร่วมมือ เพื่อกำหนดแนวทางการพัฒนามหานครอัจฉริยะด้วยเทคโนโลยีดิจิทัล"
    ),
    "kind": Project.Kind.ACTIVITY,
    "fiscal_year": SEED_FISCAL_YEAR,
    "officer_name": "นายองอาจ ภิรมย์ปักษา",
    "budget_owner_unit": "21100100",
    "budget_implementing_unit": "21100100",
    "rationale": (
        "สำนักยุทธศาสตร์และประเมินผลเห็นถึงความสำคัญในการกำหนดกรอบแนวทางการพัฒนาเมืองอัจฉริยะของกรุงเทพมหานคร "
        "และการพัฒนาพื้นที่กรุงเทพมหานครสู่ความเป็นเมืองอัจฉริยะ "
        "ให้สอดคล้องกับแนวทางตามประกาศคณะกรรมการขับเคลื่อนการพัฒนาเมืองอัจฉริยะ ที่ 1/ 2562 เรื่อง "
        "หลักเกณฑ์การประเมิน คุณสมบัติ วิธีการและกระบวนการในการพิจารณาการเป็นเมืองอัจฉริยะ "
        "และการพัฒนาแบบมีส่วนร่วมจึงได้จัดทำกิจกรรมเสริมสร้างความร่วมมือเพื่อกำหนดแนวทางการพัฒนามหานครอัจฉริยะด้วยเทคโนโลยีดิจิทัล "
        "เพื่อเป็นการศึกษาข้อมูลจากการทดลองดำเนินการในพื้นที่จริง "
        "ในการเตรียมความพร้อมของการพัฒนาพื้นที่สู่มหานครอัจฉริยะ ตามแนวทางการสร้างเสริมความร่วมมือ "
        "ซึ่งประกอบด้วยกระบวนการระดมความคิดเห็นและกรอบแนวทางการพัฒนาพื้นที่ให้ตรงกับความต้องการและศักยภาพของพื้นที่ "
        "กำหนดเลือกพื้นที่เริ่มต้นของการพัฒนาและจัดทำแผนพัฒนาพื้นที่เป้าหมายสู่มหานครอัจฉริยะ "
        "ซึ่งสามารถใช้ประโยชน์จากการนำข้อมูลสนับสนุนการจัดทำแผนแม่บทการพัฒนาเมืองอัจฉริยะกรุงเทพมหานคร "
        "ซึ่งสำนักยุทธศาสตร์และประเมินผลดำเนินการในแผนปฏิบัติราชการกรุงเทพมหานครประจำปีงบประมาณ "
        "พ.ศ. 2564ต่อไป"
    ),
    "objectives": [
        "เพื่อศึกษาการพัฒนาเมืองสู่มหานครอัจฉริยะ ด้วยการสร้างความมีส่วนร่วมของทุกภาคส่วน",
        "เพื่อศึกษาและคัดเลือกพื้นที่เริ่มต้นในการดำเนินการพัฒนาสู่ความเป็นมหานครอัจฉริยะ",
        "เพื่อจัดทำแผนเตรียมความพร้อมในการพัฒนาพื้นที่สู่ความเป็นมหานครอัจฉริยะ",
    ],
    "targets": [
        (
            "มีหน่วยงานภาครัฐ ภาคเอกชน "
            "และประชาชนเข้ามามีส่วนร่วมในการระดมความคิดเห็นต่อการพัฒนาเมืองสู่มหานครอัจฉริยะ"
        ),
        "มีการศึกษาและเลือกพื้นที่เริ่มต้นเพื่อดำเนินการพัฒนาสู่ความเป็นมหานครอัจฉริยะ",
        "มีการจัดทำแผนเตรียมความพร้อมในการพัฒนาพื้นที่สู่ความเป็นมหานครอัจฉริยะ",
    ],
    # The page's four strategy lines all say ภารกิจงานประจำของหน่วยงาน.
    "is_routine": True,
}

# Oldest first; the page lists them newest first.
UPDATES: tuple[SeedUpdate, ...] = (
    SeedUpdate(
        report_date=date(2019, 10, 21),
        percent=Decimal("5.00"),
        done=(
            "อยู่ระหว่างขั้นตอนศึกษาข้อมูล หลักเกณฑ์ กฎ ระเบียบ ข้อบังคับ ความเป็นเมืองอัจฉริยะ (Smart "
            "City)"
        ),
        problems="ไม่มี",
        obstacles="ไม่มี",
    ),
    SeedUpdate(
        report_date=date(2019, 11, 15),
        percent=Decimal("10.00"),
        done=(
            "อยู่ระหว่างศึกษาข้อมูล หลักเกณฑ์ กฎ ระเบียบ ข้อบังคับ ความเป็นเมืองอัจฉริยะ (Smart "
            "City) และพื้นที่ของกรุงเทพมหานครที่มีศักยภาพที่สามารถพัฒนาสู่ความเป็นเมืองอัจฉริยะ"
        ),
        problems="ไม่มี",
        obstacles="ไม่มี",
    ),
    SeedUpdate(
        report_date=date(2019, 12, 23),
        percent=Decimal("15.00"),
        done=(
            "อยู่ระหว่างการศึกษาข้อมูล หลักเกณฑ์ กฎ ระเบียบ ข้อบังคับ "
            "และศึกษาข้อมูลพื้นที่ของกรุงเทพมหานครที่มีศักยภาพที่สามารถพัฒนาสู่ความเป็นเมืองอัจฉริยะ "
            "(Smart City)"
        ),
        problems="ไม่มี",
        obstacles="ไม่มี",
    ),
    SeedUpdate(
        report_date=date(2020, 1, 25),
        percent=Decimal("30.00"),
        done=(
            "ศึกษาข้อมูลที่เกี่ยวข้อง "
            "เพื่อนำมาประกอบการพิจารณาเลือกพื้นที่เหมาะสมในการดำเนินการสร้างความร่วมมือ "
            "เพื่อกำหนดแนวทางการพัฒนามหานครอัจฉริยะ"
        ),
        problems=(
            "กรุงเทพมหานครยังไม่มีแนวทางที่เป็นรูปธรรม หรือเคยมีดำเนินการดำเนินสำเร็จมาก่อน "
            "ประกอบกับการดำเนินการมีประเด็นและปัจจัยต่างๆ ที่ต้องพิจารณาหลายประการ ทั้งหลักเกณฑ์ "
            "แนวทาง กรอบการสร้างความร่วมมือ "
            "ประสิทธิภาพของการบริหารจัดการเมืองและการบริการสาธารณะศักยภาพและขีดความสามารถของทุนมนุษย์ "
            "และผู้ที่มีส่วนได้เสียในพื้นที่ของเมือง ได้แก่ กลุ่มธุรกิจห้างร้าน พ่อค้าประชาชน "
            "สถาบันการศึกษา/วิจัยการพัฒนา และภาคประชาสังคม เป็นต้น ทำให้ต้องใช้เวลาในการสืบค้น "
            "ทำความเข้าใจ"
        ),
        obstacles="ไม่มี",
    ),
    SeedUpdate(
        report_date=date(2020, 2, 21),
        percent=Decimal("35.00"),
        done=(
            "อยู่ระหว่างขั้นตอนดำเนินการส่งร่าง MOU ความร่วมมือระหว่างกทม.กับม.ศิลปากร "
            "เพื่อพัฒนาพื้นที่บริเวณเกาะรัตนโกสินทร์"
        ),
        problems="ต้องมีการดำเนินการกรอบความร่วมมือที่กำหนดซึ่งต้องใช้เวลาในการดำเนินการ",
        obstacles="ไม่มี",
    ),
    SeedUpdate(
        report_date=date(2020, 3, 18),
        percent=Decimal("40.00"),
        done=(
            "อยู่ระหว่างรวบรวมข้อคิดเห็นเกี่ยวกับร่าง MOU ความร่วมมือระหว่างกทม.กับม.ศิลปากร "
            "เพื่อพัฒนาพื้นที่บริเวณเกาะรัตนโกสินทร์ "
            "เสนอต่อปลัดกรุงเทพมหานครนำเรียนผู้ว่าราชการกรุงเทพมหานครให้ความเห็นชอบ "
            "และเตรียมแนวทางในการดำเนินงานเพื่อพัฒนาพื้นที่"
        ),
        problems=(
            "สถานการณ์การแพร่ระบาดของโรคโควิต 19 "
            "ส่งผลให้อาจต้องเลื่อนการประชุมหารือหรือปรับระยะเวลาและวิธีการทำงาน"
        ),
        obstacles="ไม่มี",
    ),
    SeedUpdate(
        report_date=date(2020, 4, 17),
        percent=Decimal("45.00"),
        done=(
            "อยู่ระหว่างขั้นตอนรวบรวมข้อมูลที่เกี่ยวข้องเพื่อจัดทำร่างแผนพัฒนาพื้นที่บริเวณเกาะรัตนโกสินทร์ "
            "สำหรับการร่วมพิจารณาของผู้เกี่ยวข้อง "
            "ซึ่งต้องดำเนินการหลังจากผ่านพ้นสถานการณ์การแพร่ระบาดของโรค COVID19"
        ),
        problems="สถานการณ์การแพร่ระบาดของโรค COVID19",
        obstacles="สถานการณ์การแพร่ระบาดของโรค COVID19",
    ),
    SeedUpdate(
        report_date=date(2020, 5, 20),
        percent=Decimal("55.00"),
        done=(
            "อยู่ระหว่างรวบรวมข้อมูลที่เกี่ยวข้อง "
            "เพื่อจัดทำร่างแผนพัฒนาพื้นที่บริเวณเกาะรัตนโกสินทร์สู่เมืองอัจฉริยะ"
        ),
        problems=(
            "สถานการณ์การแพร่ระบาดของไวรัสโคโรน่า "
            "ส่งผลให้การดำเนินการแสดงความคิดเห็นของผู้เกี่ยวข้องซึ่งอยู่ในกระบวนการสร้างการมีส่วนร่วมของผู้เกี่ยวข้องในพื้นที่ "
            "การประสานกับหน่วยงานและผู้เกี่ยวข้องเพื่อการประชุมชี้แจงสร้างความเข้าใจ "
            "ไม่สามารถดำเนินการได้ เนื่องจากต้องป้องกันการติดต่อและแพร่ระบาดของโรค "
            "ทำให้ต้องปรับกระบวนการทำงานเป็นการศึกษาข้อมูลจากเอกสาร แผนงานต่างๆ "
            "ที่มีความเกี่ยวข้องกับการดำเนินการในพื้นที่ เพื่อเตรียมจัดทำร่างแผนฯ "
            "ซึ่งจะใช้เป็นเอกสารที่จะใช้ประกอบการดำเนินการภายหลังสถานการณ์แพร่ระบาดของโรคสิ้นสุดหรือมีความปลอดภัยในการจัดกิจกรรมที่มีการชุมนุมของมวลชน"
        ),
        obstacles="ไม่มี",
    ),
    SeedUpdate(
        report_date=date(2020, 6, 22),
        percent=Decimal("65.00"),
        done=(
            "ปรับเนื้อหาการดำเนินการจากเดิมตามที่ผุ้อำนวยการสำนักยุทธศาสตร์และประเมินผลให้ความเห็นชอบ "
            "โดยปัจจุบันอยู่ระหว่างขั้นตอนการเตรียมจัดทำร่างรายงานผลการศึกษาเบื้องต้นแนวทางการพัฒนาพื้นที่เป้าหมายสู่มหานครอัจฉริยะ"
        ),
        problems="สถานการณ์การระบาดของโรคติดเชื้อไวรัสโคโรนา ๒๐๑๙ (COVID-19)",
        obstacles="สถานการณ์การระบาดของโรคติดเชื้อไวรัสโคโรนา ๒๐๑๙ (COVID-19)",
    ),
    SeedUpdate(
        report_date=date(2020, 7, 16),
        percent=Decimal("75.00"),
        done=(
            "อยู่ระหว่างการจัดทำ (ร่าง) รายงานผลการศึกษาเบื้องต้น "
            "แนวทางการพัฒนาพื้นที่เป้าหมายสู่มหานครอัจฉริยะ"
        ),
        problems="ไม่มี",
        obstacles="ไม่มี",
    ),
    SeedUpdate(
        report_date=date(2020, 8, 20),
        percent=Decimal("85.00"),
        done=(
            "อยู่ระหว่างจัดทำรูปเล่ม "
            "(ร่าง)ข้อมูลผลการศึกษาเบื้องต้นบริเวณพื้นที่เกาะรัตนโกสินทร์ตามขอบเขตที่กำหนดเพื่อพัฒนาพื้นที่สู่เมืองอัจฉริยะ"
        ),
        problems=(
            "การรวบรวมข้อมูลจากเอกสารที่เกี่ยวข้องมาเรียบเรียงมีรายละเอียดที่ซับซ้อนและข้อมูลประกอบด้วยรายละเอียดจำนวนมาก"
        ),
        obstacles="ไม่มี",
    ),
    SeedUpdate(
        report_date=date(2020, 9, 15),
        percent=Decimal("100.00"),
        done="ดำเนินโครงการแล้วเสร็จตามแผนงานที่วางไว้แล้ว",
        problems="-",
        obstacles="-",
    ),
)

STEPS: tuple[SeedStep, ...] = (
    SeedStep(
        number=1,
        # The page shows ":. ศึกษาข้อมูล…"; the stray "." after its ":" is dropped.
        description="ศึกษาข้อมูล หลักเกณฑ์ กฎ ระเบียบ ข้อบังคับ ความเป็นเมืองอัจฉริยะ (Smart City)",
        weight=Decimal(5),
        planned_start=date(2019, 10, 1),
        planned_end=date(2019, 10, 1),
    ),
    SeedStep(
        number=2,
        description="ศึกษาข้อมูลพื้นที่ของกรุงเทพมหานครที่มีศักยภาพที่สามารถพัฒนาสู่ความเป็นเมืองอัจฉริยะ",
        weight=Decimal(10),
        planned_start=date(2019, 12, 16),
        planned_end=date(2019, 12, 16),
    ),
    SeedStep(
        number=3,
        description="คัดเลือกพื้นที่เป้าหมายเพื่อพัฒนาสู่เมืองอัจฉริยะ",
        weight=Decimal(10),
        planned_start=date(2020, 1, 17),
        planned_end=date(2020, 1, 17),
    ),
    SeedStep(
        number=4,
        description=(
            "การศึกษารวบรวมข้อมูลจากเอกสาร และแหล่งข้อมูลที่เกี่ยวข้อง "
            "เพื่อนำมาจัดทำร่างข้อมูลผลการศึกษาเบื้องต้น"
        ),
        weight=Decimal(40),
        planned_start=date(2020, 3, 2),
        planned_end=date(2020, 3, 2),
    ),
    SeedStep(
        number=5,
        description="จัดทำ (ร่าง) ข้อมูลผลการศึกษาเบื้องต้น เพื่อพัฒนาพื้นที่สู่เมืองอัจฉริยะ",
        weight=Decimal(35),
        planned_start=date(2020, 8, 3),
        planned_end=date(2020, 8, 3),
    ),
)

INDICATOR = {
    "code": "2100-1044",
    "name_th": "จำนวนรายงานผลการศึกษาเบื้องต้นแนวทางการพัฒนาพื้นที่เป้าหมายสู่มหานครอัจฉริยะ",
    "unit": "ฉบับ",
    "target": Decimal(1),
    "kind": Indicator.Kind.STRATEGIC,
    "level": Indicator.Level.OUTPUT,
    "fiscal_year": SEED_FISCAL_YEAR,
    "aggregation": progress.Aggregation.LATEST,
    "direction": progress.Direction.HIGHER,
}

# Quarter: result, as recorded (the project's % typed into a count of reports).
INDICATOR_RESULTS: dict[int, Decimal] = {
    1: Decimal("15.00"),
    2: Decimal("40.00"),
    3: Decimal("0.00"),
    4: Decimal("1.00"),
}

# The page's "2.1 / 2.2" sub-scores; the page shows only the codes, so the names are ours.
EVALUATION_CRITERIA: tuple[tuple[str, str, str], ...] = (
    ("2.1", "ผลการดำเนินงานเทียบกับค่าเป้าหมาย", "Result against target"),
    (
        "2.2",
        "ความครบถ้วนและทันเวลาของการรายงาน",
        "Completeness and timeliness of reporting",
    ),
)

# Every quarter is scored 100 on every criterion.
CRITERION_SCORE = Decimal(100)

# สยป. ประเมินโครงการ : ไตรมาสที่ 2 100
PROJECT_EVALUATION_QUARTER = 2
PROJECT_EVALUATION_SCORE = Decimal(100)

DEMO_PASSWORD = "demo-pass-2563"


@dataclass(frozen=True)
class DemoUser:
    """A demo login: its role and the department it reports for, if any."""

    username: str
    role: str
    superuser: bool = False
    member_of_seed_department: bool = False
    member_of_other_department: bool = False
    approver_of_seed_department: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", Profile.Role.ADMIN, superuser=True),
    DemoUser("evaluator", Profile.Role.EVALUATOR),
    DemoUser("staff", Profile.Role.STAFF, member_of_seed_department=True),
    DemoUser("outsider", Profile.Role.STAFF, member_of_other_department=True),
    DemoUser("approver", Profile.Role.STAFF, approver_of_seed_department=True),
)


def write_criteria(
    *, fiscal_years: list[int]
) -> dict[tuple[int, str], EvaluationCriterion]:
    """The KPI criteria 2.1 and 2.2 of each fiscal year, creating the missing ones."""
    existing = {
        (criterion.fiscal_year, criterion.code): criterion
        for criterion in EvaluationCriterion.objects.filter(
            fiscal_year__in=fiscal_years
        )
    }
    missing = [
        EvaluationCriterion(
            fiscal_year=year, code=code, name_th=name_th, name_en=name_en
        )
        for year in fiscal_years
        for code, name_th, name_en in EVALUATION_CRITERIA
        if (year, code) not in existing
    ]
    for criterion in EvaluationCriterion.objects.bulk_create(missing):
        existing[criterion.fiscal_year, criterion.code] = criterion
    return existing


@transaction.atomic
def write_seed_project() -> tuple[Project, bool]:
    """Write the seed project with its plan, updates, KPI and scores; (project, created).

    An existing project 21000000-3152 is left exactly as it is, so that writing the
    seed twice changes nothing.
    """
    existing = Project.objects.filter(code=SEED_PROJECT_CODE).first()
    if existing is not None:
        return existing, False
    department, _created = Department.objects.get_or_create(
        code=DEPARTMENT["code"], defaults=DEPARTMENT
    )
    project = Project(department=department, **PROJECT)
    project._change_reason = IMPORTED
    project.save()
    bulk_create_with_history(
        [
            PlanStep(
                project=project,
                number=step.number,
                description=step.description,
                weight=step.weight,
                planned_start=step.planned_start,
                planned_end=step.planned_end,
            )
            for step in STEPS
        ],
        PlanStep,
        default_change_reason=IMPORTED,
    )
    bulk_create_with_history(
        [
            ProgressUpdate(
                project=project,
                report_date=update.report_date,
                percent=update.percent,
                done=update.done,
                problems=update.problems,
                obstacles=update.obstacles,
            )
            for update in UPDATES
        ],
        ProgressUpdate,
        default_change_reason=IMPORTED,
    )
    evaluation = ProjectEvaluation(
        project=project,
        quarter=PROJECT_EVALUATION_QUARTER,
        score=PROJECT_EVALUATION_SCORE,
    )
    evaluation._change_reason = IMPORTED
    evaluation.save()
    indicator = Indicator.objects.filter(code=INDICATOR["code"]).first()
    created = indicator is None
    if created:
        indicator = Indicator(**INDICATOR, department=department)
        indicator._change_reason = IMPORTED
        indicator.save()
    indicator.projects.add(project)
    if created:
        _write_indicator_quarters(indicator)
    return project, True


def _write_indicator_quarters(indicator: Indicator) -> None:
    criteria = write_criteria(fiscal_years=[SEED_FISCAL_YEAR])
    IndicatorResult.objects.bulk_create(
        IndicatorResult(indicator=indicator, quarter=quarter, value=value)
        for quarter, value in INDICATOR_RESULTS.items()
    )
    evaluations = IndicatorEvaluation.objects.bulk_create(
        IndicatorEvaluation(indicator=indicator, quarter=quarter)
        for quarter in INDICATOR_RESULTS
    )
    CriterionScore.objects.bulk_create(
        CriterionScore(
            evaluation=evaluation,
            criterion=criteria[SEED_FISCAL_YEAR, code],
            score=CRITERION_SCORE,
        )
        for evaluation in evaluations
        for code, _name_th, _name_en in EVALUATION_CRITERIA
    )


@transaction.atomic
def write_demo_users(*, other_department: Department | None) -> list[DemoUser]:
    """Create the demo logins of every role, repairing only what is not as it should be.

    ``staff`` reports for the seed's department and ``outsider`` for
    ``other_department``; a user that is already right is not written at all.
    """
    seed_department = Department.objects.get(code=DEPARTMENT["code"])
    for spec in DEMO_USERS:
        user, _created = get_user_model().objects.get_or_create(
            username=spec.username,
            defaults={
                "email": f"{spec.username}@example.org",
                "is_staff": spec.superuser,
                "is_superuser": spec.superuser,
            },
        )
        if (
            user.is_superuser != spec.superuser
            or user.is_staff != spec.superuser
            or not user.is_active
            or not user.check_password(DEMO_PASSWORD)
        ):
            user.is_superuser = user.is_staff = spec.superuser
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
        profile, _created = Profile.objects.get_or_create(
            user=user, defaults={"role": spec.role}
        )
        if profile.role != spec.role:
            profile.role = spec.role
            profile.save(update_fields=["role"])
        if spec.member_of_seed_department:
            seed_department.members.add(user)
        if spec.member_of_other_department and other_department is not None:
            other_department.members.add(user)
        if spec.approver_of_seed_department:
            seed_department.approvers.add(user)
    return list(DEMO_USERS)


# Work for the demo's staff login in the current fiscal year: projects of the seed's
# department with plans under way, some months reported and some missing.
STAFF_WORK = (
    ("4001", "โครงการพัฒนาระบบติดตามและประเมินผลโครงการของกรุงเทพมหานคร", 1.0),
    ("4002", "โครงการจัดทำแผนปฏิบัติราชการกรุงเทพมหานครประจำปี", 0.5),
    ("4003", "กิจกรรมสำรวจความพึงพอใจของประชาชนต่อการให้บริการ", 0.0),
    ("4004", "โครงการศึกษาแนวทางการพัฒนาเมืองอัจฉริยะระยะที่ 2", 1.0),
)
STAFF_STEPS = (
    ("ศึกษาข้อมูลและจัดทำแผนการดำเนินงาน", Decimal(20)),
    ("ประชุมหารือหน่วยงานที่เกี่ยวข้อง", Decimal(30)),
    ("ดำเนินการตามแผนและติดตามผล", Decimal(35)),
    ("สรุปผลและจัดทำรายงาน", Decimal(15)),
)


@transaction.atomic
def write_staff_work(today: date) -> int:
    """The seed department's projects of the current fiscal year, each with a plan
    over the year and reports for some of the months already due; returns how many
    were written (none when they are there already)."""
    fiscal_year = thaicalendar.fiscal_year_of(today)
    department = Department.objects.get(code=DEPARTMENT["code"])
    start, end = thaicalendar.fiscal_year_bounds(fiscal_year)
    quarter = (end - start) / 4
    written = 0
    for number, name, reported in STAFF_WORK:
        code = f"{DEPARTMENT['code']}-{number}"
        if Project.objects.filter(code=code).exists():
            continue
        project = Project.objects.create(
            code=code,
            name_th=name,
            kind=Project.Kind.PROJECT,
            department=department,
            fiscal_year=fiscal_year,
            officer_name="นางสาวสมศรี ตั้งใจงาน",
            officer_contact="0 2224 1234",
            budget_owner_unit="21100100",
            budget_implementing_unit="21100100",
            budget_amount=STAFF_BUDGETS[number][0] + STAFF_BUDGETS[number][1],
            citizen_benefit=STAFF_BENEFITS[number],
        )
        _write_budget_lines(project, STAFF_BUDGETS[number])
        steps = [
            PlanStep(
                project=project,
                number=index + 1,
                description=description,
                weight=weight,
                planned_start=start + quarter * index,
                planned_end=min(start + quarter * (index + 1), end),
            )
            for index, (description, weight) in enumerate(STAFF_STEPS)
        ]
        PlanStep.objects.bulk_create(steps)
        due = [
            (year, month)
            for year, month in thaicalendar.fiscal_months(fiscal_year)
            if progress.month_due(year, month, 20) < today
        ]
        kept = due[: round(len(due) * reported)]
        ProgressUpdate.objects.bulk_create(
            ProgressUpdate(
                project=project,
                report_date=date(year, month, 20),
                percent=(
                    percent := progress.planned_percent(steps, date(year, month, 20))
                ),
                disbursed=late_disbursement(project.budget_amount, percent),
                done=f"ดำเนินการตามแผน: {steps[0].description}",
            )
            for year, month in kept
        )
        if number == REVISED_PROJECT and kept:
            _revise(project, today)
        written += 1
    return written


REVISED_PROJECT = "4004"

# The staff projects' money: (operating, investment) in baht, and what citizens get.
STAFF_BUDGETS = {
    "4001": (Decimal(850_000), Decimal(0)),
    "4002": (Decimal(1_200_000), Decimal(3_800_000)),
    "4003": (Decimal(450_000), Decimal(0)),
    "4004": (Decimal(2_000_000), Decimal(12_500_000)),
}
STAFF_BENEFITS = {
    "4001": "ประชาชนติดตามความคืบหน้าโครงการของกรุงเทพมหานครได้ทุกเดือน",
    "4002": "ผู้บริหารและประชาชนเห็นข้อมูลเมืองเดียวกันบนแดชบอร์ดที่เปิดเผย",
    "4003": "หน่วยงานรายงานผลได้ตรงเวลา ลดงานเอกสารซ้ำซ้อน",
    "4004": "ชุมชนได้แผนพัฒนาพื้นที่ที่มาจากความต้องการของชุมชนเอง",
}


def late_disbursement(budget: Decimal | None, percent: Decimal) -> Decimal | None:
    """Cumulative disbursed of a demo report: money lags the work (paid on
    delivery), so most of it is disbursed late in the year."""
    if budget is None:
        return None
    share = (percent / progress.HUNDRED) ** 2
    return (budget * share).quantize(Decimal(100))


def write_demo_money() -> int:
    """Give the staff login's projects written before money existed their money:
    the allocation lines, what citizens get and the disbursed amount on their
    reports. Projects that have budget lines already are left as they are;
    returns how many got money. Without the categories the lines go in (admins
    removed them), nothing is written, so that a second run changes nothing."""
    if not BudgetCategory.objects.filter(code__in=("operating", "investment")).exists():
        return 0
    written = 0
    for number, amounts in STAFF_BUDGETS.items():
        project = Project.objects.filter(
            code=f"{DEPARTMENT['code']}-{number}", budget_lines__isnull=True
        ).first()
        if project is None:
            continue
        project.budget_amount = amounts[0] + amounts[1]
        project.citizen_benefit = project.citizen_benefit or STAFF_BENEFITS[number]
        project._change_reason = IMPORTED
        project.save(update_fields=["budget_amount", "citizen_benefit", "updated_at"])
        _write_budget_lines(project, amounts)
        for update in project.updates.filter(disbursed__isnull=True):
            update.disbursed = late_disbursement(project.budget_amount, update.percent)
            update._change_reason = IMPORTED
            update.save(update_fields=["disbursed", "updated_at"])
        written += 1
    return written


def _write_budget_lines(project: Project, amounts: tuple[Decimal, Decimal]) -> None:
    categories = BudgetCategory.objects.in_bulk(
        ["operating", "investment"], field_name="code"
    )
    lines = [
        BudgetLine(
            project=project,
            number=number,
            category=categories[code],
            amount=amount,
            source="งบประมาณกรุงเทพมหานคร",
        )
        for number, (code, amount) in enumerate(
            (
                pair
                for pair in zip(("operating", "investment"), amounts, strict=True)
                if pair[1]
            ),
            start=1,
        )
        if code in categories
    ]
    BudgetLine.objects.bulk_create(lines)


# The current month's reports of the staff login's projects, in each approval
# state, so the approver's queue and My work show the workflow on the first run.
PENDING_WORK = (
    ("4001", "submitted", ""),
    ("4002", "submitted", ""),
    ("4003", "draft", ""),
    ("4004", "returned", "โปรดระบุปัญหาที่ทำให้การดำเนินงานล่าช้า และแนบภาพถ่ายประกอบ"),
)


@transaction.atomic
def write_pending_reports(today: date) -> int:
    """Reports of the current month by ``staff``, waiting for ``approver`` (one a
    draft, one returned with a comment), through the services as in the portal;
    returns how many were written (none when the month has them already)."""
    if access.year_lock(thaicalendar.fiscal_year_of(today)) is not None:
        # Data generated as of a day in a year that has closed since (the
        # benchmark's): nothing can be submitted to it any more.
        return 0
    users = get_user_model().objects.in_bulk(
        ["staff", "approver"], field_name="username"
    )
    written = 0
    for number, state, comment in PENDING_WORK:
        project = Project.objects.filter(code=f"{DEPARTMENT['code']}-{number}").first()
        if project is None:
            continue
        waiting = project.updates.exclude(status=approval.State.APPROVED).filter(
            report_date__year=today.year, report_date__month=today.month
        )
        if waiting.exists():
            continue
        if project.updates.filter(report_date=today).exists():
            continue
        update = services.save_update(
            project=project,
            user=users["staff"],
            values={
                "report_date": today,
                "percent": project.planned_percent(today),
                "done": "ดำเนินการตามแผนประจำเดือน รอหัวหน้าหน่วยงานอนุมัติ",
            },
            submit=state != "draft",
        )
        if state == "returned":
            services.return_update(
                update=update,
                user=users["approver"],
                version=update.version,
                comment=comment,
            )
        written += 1
    return written


def _revise(project: Project, today: date) -> None:
    """Revise a demo plan once, as agencies do when a step slips (ขอปรับแผน)."""
    steps = [
        services.StepValues(
            pk=None,
            description=step.description,
            weight=step.weight,
            planned_start=step.planned_start
            + (step.planned_end - step.planned_start) / 2
            if step.number > 2
            else step.planned_start,
            planned_end=step.planned_end,
        )
        for step in project.steps.all()
    ]
    services.save_plan(
        project=project,
        user=None,
        steps=steps,
        version=project.plan_version,
        reason="เลื่อนการดำเนินงานตามแผนเนื่องจากงบประมาณได้รับการจัดสรรล่าช้า",
        today=today,
    )


@transaction.atomic
def write_quarter_locks(today: date, evaluator) -> int:
    """Lock, for every department, each quarter of the demo's years that ended more
    than a fortnight ago, as the evaluators do once they have scored it."""
    written = 0
    for fiscal_year in {thaicalendar.fiscal_year_of(today) - n for n in range(3)}:
        for quarter in (1, 2, 3, 4):
            _start, end = thaicalendar.quarter_bounds(fiscal_year, quarter)
            if (today - end).days <= 14:
                continue
            _lock, created = QuarterLock.objects.get_or_create(
                fiscal_year=fiscal_year,
                quarter=quarter,
                department=None,
                reopened_at=None,
                defaults={"locked_by": evaluator},
            )
            written += created
    return written
