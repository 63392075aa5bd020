"""A realistic, deterministic data set of any size, for demos and benchmarks.

``generate()`` writes departments and district offices, the strategy tree, N projects
per fiscal year with work plans, monthly updates and quarterly evaluations, and one
KPI per five projects with its quarter results and scores. Every choice comes from
one ``random.Random(seed)``, so the same seed, size and date give the same data.

Rows are drafted as plain records (not model instances: a 100,000-project year has
millions of rows) and written a table at a time per batch of projects: with COPY on
PostgreSQL, one ``executemany`` elsewhere (``_Writer``). Every value still goes
through its model field's own preparation (Thai text normalised, "ไม่มี" stored
empty), the columns the generator leaves out take their fields' defaults, as
``bulk_create`` would give them, and the number of queries hardly grows with the size.
"""

# ruff: noqa: E501
# The phrase tables keep one row a line, however long its Thai text.

from __future__ import annotations

import io
import json
import math
import operator
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from projects import progress, thaicalendar
from projects.demo import EVALUATION_CRITERIA, write_criteria
from projects.fields import TextListField
from projects.models import (
    BudgetCategory,
    BudgetLine,
    Department,
    PlanStep,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    StrategyNode,
)

DEFAULT_SEED = 2563
DEFAULT_BATCH_SIZE = 2000
MIN_DEPARTMENTS = 12
MAX_DEPARTMENTS = 80
PROJECTS_PER_DEPARTMENT = 25
PROJECTS_PER_KPI = 5
STEPS_PER_PROJECT = 5
FIRST_PROJECT_NUMBER = 1001
FIRST_INDICATOR_NUMBER = 1001

Log = Callable[[str], None]
Pair = tuple[str, str]


class GeneratedDataExists(Exception):
    """The database already holds generated data; pass ``replace=True`` to redo it."""


def _table(text: str) -> list[list[str]]:
    """The rows of a table written one row a line, cells separated by " | "."""
    return [
        [cell.strip() for cell in line.split(" | ")]
        for line in text.strip().splitlines()
    ]


# Departments and district offices


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    short_name: str
    kind: str
    theme: str
    weight: int
    name_th: str
    name_en: str


# code | short name | kind | theme | share of projects | Thai name | English name.
# The twelve big departments come first: a small data set takes the top rows.
DEPARTMENTS: tuple[DepartmentSpec, ...] = tuple(
    DepartmentSpec(code, short, kind, theme, int(weight), name_th, name_en)
    for code, short, kind, theme, weight, name_th, name_en in _table(
        """
11000000 | สนย. | department | works | 3 | สำนักการโยธา | Public Works Department
12000000 | สนน. | department | drainage | 3 | สำนักการระบายน้ำ | Drainage and Sewerage Department
13000000 | สสล. | department | environment | 3 | สำนักสิ่งแวดล้อม | Environment Department
14000000 | สนพ. | department | medical | 3 | สำนักการแพทย์ | Medical Service Department
15000000 | สนอ. | department | health | 3 | สำนักอนามัย | Health Department
16000000 | สนศ. | department | education | 3 | สำนักการศึกษา | Education Department
17000000 | สนท. | department | order | 2 | สำนักเทศกิจ | City Law Enforcement Department
18000000 | สจส. | department | traffic | 2 | สำนักการจราจรและขนส่ง | Traffic and Transportation Department
19000000 | สพส. | department | social | 2 | สำนักพัฒนาสังคม | Social Development Department
20000000 | สวท. | department | culture | 2 | สำนักวัฒนธรรม กีฬาและการท่องเที่ยว | Culture, Sports and Tourism Department
22000000 | สปภ. | department | fire | 2 | สำนักป้องกันและบรรเทาสาธารณภัย | Fire and Rescue Department
23000000 | สนค. | department | finance | 2 | สำนักการคลัง | Finance Department
01000000 | สลก. | department | admin | 1 | สำนักงานเลขานุการผู้ว่าราชการกรุงเทพมหานคร | Office of the Governor's Secretary
02000000 | สลส. | department | admin | 1 | สำนักงานเลขานุการสภากรุงเทพมหานคร | Bangkok Metropolitan Council Secretariat
03000000 | สลป. | department | admin | 1 | สำนักงานเลขานุการปลัดกรุงเทพมหานคร | Office of the Permanent Secretary
04000000 | สกจ. | department | admin | 1 | สำนักงานการเจ้าหน้าที่ | Personnel Office
05000000 | สกค. | department | admin | 1 | สำนักงานกฎหมายและคดี | Legal Affairs Office
06000000 | สตน. | department | admin | 1 | สำนักงานตรวจสอบภายใน | Internal Audit Office
07000000 | สปส. | department | admin | 1 | สำนักงานประชาสัมพันธ์ | Public Relations Office
08000000 | สก.ก. | department | admin | 1 | สำนักงานคณะกรรมการข้าราชการกรุงเทพมหานคร | BMA Civil Service Commission Office
24000000 | สผม. | department | works | 2 | สำนักการวางผังและพัฒนาเมือง | City Planning and Urban Development Department
25000000 | สงม. | department | finance | 1 | สำนักงบประมาณกรุงเทพมหานคร | Budget Department
26000000 | สกต. | department | admin | 1 | สำนักงานการต่างประเทศ | International Affairs Office
27000000 | สคป. | department | order | 1 | สำนักงานความปลอดภัย | Security Office
28000000 | สพข. | department | admin | 1 | สถาบันพัฒนาข้าราชการกรุงเทพมหานคร | BMA Civil Servant Development Institute
29000000 | สพด. | department | admin | 1 | สำนักงานพัฒนาระบบดิจิทัล | Digital Development Office
30000000 | สธน. | other | finance | 1 | สำนักงานสถานธนานุบาล | Pawnshop Office
31000000 | สตล. | other | order | 1 | สำนักงานตลาด | Market Office
32000000 | มนธ. | other | medical | 1 | มหาวิทยาลัยนวมินทราธิราช | Navamindradhiraj University
33000000 | กธ. | other | traffic | 1 | บริษัท กรุงเทพธนาคม จำกัด | Krungthep Thanakom Company
"""
    )
)

# The fifty districts in the order of their official numbers (Thai | English).
DISTRICT_NAMES: list[list[str]] = _table(
    """
พระนคร | Phra Nakhon
ดุสิต | Dusit
หนองจอก | Nong Chok
บางรัก | Bang Rak
บางเขน | Bang Khen
บางกะปิ | Bang Kapi
ปทุมวัน | Pathum Wan
ป้อมปราบศัตรูพ่าย | Pom Prap Sattru Phai
พระโขนง | Phra Khanong
มีนบุรี | Min Buri
ลาดกระบัง | Lat Krabang
ยานนาวา | Yan Nawa
สัมพันธวงศ์ | Samphanthawong
พญาไท | Phaya Thai
ธนบุรี | Thon Buri
บางกอกใหญ่ | Bangkok Yai
ห้วยขวาง | Huai Khwang
คลองสาน | Khlong San
ตลิ่งชัน | Taling Chan
บางกอกน้อย | Bangkok Noi
บางขุนเทียน | Bang Khun Thian
ภาษีเจริญ | Phasi Charoen
หนองแขม | Nong Khaem
ราษฎร์บูรณะ | Rat Burana
บางพลัด | Bang Phlat
ดินแดง | Din Daeng
บึงกุ่ม | Bueng Kum
สาทร | Sathon
บางซื่อ | Bang Sue
จตุจักร | Chatuchak
บางคอแหลม | Bang Kho Laem
ประเวศ | Prawet
คลองเตย | Khlong Toei
สวนหลวง | Suan Luang
จอมทอง | Chom Thong
ดอนเมือง | Don Mueang
ราชเทวี | Ratchathewi
ลาดพร้าว | Lat Phrao
วัฒนา | Watthana
บางแค | Bang Khae
หลักสี่ | Lak Si
สายไหม | Sai Mai
คันนายาว | Khan Na Yao
สะพานสูง | Saphan Sung
วังทองหลาง | Wang Thonglang
คลองสามวา | Khlong Sam Wa
บางนา | Bang Na
ทวีวัฒนา | Thawi Watthana
ทุ่งครุ | Thung Khru
บางบอน | Bang Bon
"""
)

DISTRICTS: tuple[DepartmentSpec, ...] = tuple(
    DepartmentSpec(
        code=f"50{number:02d}0000",
        short_name=f"เขต{name_th}",
        kind=Department.Kind.DISTRICT,
        theme="district",
        weight=1,
        name_th=f"สำนักงานเขต{name_th}",
        name_en=f"{name_en} District Office",
    )
    for number, (name_th, name_en) in enumerate(DISTRICT_NAMES, start=1)
)

GENERATED_DEPARTMENT_CODES: tuple[str, ...] = tuple(
    spec.code for spec in DEPARTMENTS + DISTRICTS
)


def department_count(projects: int) -> int:
    """How many departments a data set of ``projects`` per year spreads over."""
    return max(
        MIN_DEPARTMENTS, min(MAX_DEPARTMENTS, projects // PROJECTS_PER_DEPARTMENT)
    )


def pick_departments(count: int) -> list[DepartmentSpec]:
    """The first ``count`` departments and district offices, about half of each."""
    count = min(count, len(DEPARTMENTS) + len(DISTRICTS))
    departments = min(
        len(DEPARTMENTS), max(count - len(DISTRICTS), math.ceil(count / 2))
    )
    return list(DEPARTMENTS[:departments] + DISTRICTS[: count - departments])


# Phrases

# theme | Thai title | English title | Thai subject | English subject
WORKS: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
for _theme, *_work in _table(
    """
works | ก่อสร้างและปรับปรุงทางเท้า | Rebuilding footpaths | ทางเท้า | footpaths
works | ปรับปรุงผิวจราจรถนนสายหลัก | Resurfacing main roads | ถนน | roads
works | ก่อสร้างสะพานข้ามคลอง | Building canal bridges | สะพาน | bridges
works | ติดตั้งไฟฟ้าส่องสว่างสาธารณะ | Installing street lighting | ไฟฟ้าส่องสว่าง | street lighting
works | ก่อสร้างทางจักรยาน | Building cycle lanes | ทางจักรยาน | cycle lanes
drainage | ปรับปรุงระบบระบายน้ำ | Improving the drainage system | การระบายน้ำ | drainage
drainage | ก่อสร้างเขื่อนป้องกันน้ำท่วม | Building flood walls | การป้องกันน้ำท่วม | flood protection
drainage | เพิ่มประสิทธิภาพสถานีสูบน้ำ | Upgrading pumping stations | สถานีสูบน้ำ | pumping stations
drainage | ขุดลอกคูคลองและเปิดทางน้ำไหล | Dredging canals | คูคลอง | canals
drainage | ก่อสร้างระบบบำบัดน้ำเสีย | Building wastewater treatment | การบำบัดน้ำเสีย | wastewater treatment
environment | ส่งเสริมการคัดแยกขยะมูลฝอยจากต้นทาง | Waste sorting at source | การคัดแยกขยะ | waste sorting
environment | เพิ่มพื้นที่สีเขียวและสวนสาธารณะ | More green space and parks | พื้นที่สีเขียว | green space
environment | เฝ้าระวังคุณภาพอากาศและฝุ่นละออง PM2.5 | Monitoring PM2.5 | คุณภาพอากาศ | air quality
environment | ปรับปรุงประสิทธิภาพการเก็บขนมูลฝอย | Better waste collection | การเก็บขนมูลฝอย | waste collection
environment | ปลูกต้นไม้ล้านต้น | A million trees | การปลูกต้นไม้ | tree planting
medical | พัฒนาระบบบริการการแพทย์ฉุกเฉิน | Emergency medical services | การแพทย์ฉุกเฉิน | emergency care
medical | ปรับปรุงอาคารโรงพยาบาลในสังกัดกรุงเทพมหานคร | Renovating BMA hospitals | โรงพยาบาล | hospitals
medical | พัฒนาระบบนัดหมายผู้ป่วยออนไลน์ | Online patient appointments | การนัดหมายผู้ป่วย | appointments
medical | ดูแลผู้ป่วยโรคเรื้อรังที่บ้าน | Home care for chronic patients | การดูแลผู้ป่วยโรคเรื้อรัง | chronic care
health | พัฒนาศูนย์บริการสาธารณสุข | Public health centres | ศูนย์บริการสาธารณสุข | health centres
health | ส่งเสริมสุขภาพผู้สูงอายุ | Health promotion for the elderly | การดูแลผู้สูงอายุ | elderly care
health | ตรวจสอบความปลอดภัยด้านอาหาร | Food safety inspections | ความปลอดภัยด้านอาหาร | food safety
health | ป้องกันและควบคุมโรคไข้เลือดออก | Dengue control | การควบคุมโรคติดต่อ | disease control
health | ส่งเสริมสุขภาพจิตในชุมชน | Community mental health | สุขภาพจิต | mental health
education | พัฒนาห้องเรียนดิจิทัลในโรงเรียนสังกัดกรุงเทพมหานคร | Digital classrooms | ห้องเรียนดิจิทัล | digital classrooms
education | ยกระดับการเรียนการสอนภาษาอังกฤษ | Better English teaching | การสอนภาษาอังกฤษ | English teaching
education | ปรับปรุงอาคารเรียนและห้องน้ำโรงเรียน | Renovating schools | อาคารเรียน | school buildings
education | จัดหาอาหารกลางวันที่มีคุณภาพให้นักเรียน | Healthy school lunches | อาหารกลางวันนักเรียน | school lunches
education | พัฒนาห้องสมุดและแหล่งเรียนรู้ | Libraries and learning centres | แหล่งเรียนรู้ | learning centres
order | จัดระเบียบหาบเร่แผงลอย | Organising street vending | การจัดระเบียบหาบเร่แผงลอย | street vending
order | ดูแลความปลอดภัยในพื้นที่สาธารณะ | Safety in public spaces | ความปลอดภัยในที่สาธารณะ | public safety
order | ตรวจตราและรื้อถอนป้ายโฆษณาผิดกฎหมาย | Removing illegal billboards | ป้ายโฆษณา | billboards
order | ตรวจตราจุดเสี่ยงอาชญากรรม | Patrolling crime hot spots | จุดเสี่ยงอาชญากรรม | crime hot spots
traffic | ติดตั้งกล้องโทรทัศน์วงจรปิด | Installing CCTV cameras | กล้องโทรทัศน์วงจรปิด | CCTV
traffic | ปรับปรุงสัญญาณไฟจราจรอัจฉริยะ | Smart traffic signals | สัญญาณไฟจราจร | traffic signals
traffic | ปรับปรุงทางข้ามและสะพานลอยคนเดินข้าม | Safer crossings | ทางข้าม | crossings
traffic | พัฒนาการเดินทางด้วยเรือโดยสารสาธารณะ | Public boat services | เรือโดยสารสาธารณะ | public boats
traffic | พัฒนาระบบขนส่งมวลชนรอง (ฟีดเดอร์) | Feeder bus services | ระบบขนส่งมวลชน | public transport
social | ฝึกอาชีพระยะสั้นให้ประชาชน | Short vocational courses | การฝึกอาชีพ | vocational training
social | พัฒนาศูนย์พัฒนาเด็กเล็กในชุมชน | Community childcare centres | ศูนย์พัฒนาเด็กเล็ก | childcare
social | ส่งเสริมคุณภาพชีวิตคนพิการ | Disability welfare | สวัสดิการคนพิการ | disability welfare
social | สนับสนุนกองทุนพัฒนาชุมชน | Community development funds | กองทุนชุมชน | community funds
culture | จัดงานประเพณีลอยกระทงและสงกรานต์ | Loy Krathong and Songkran | ประเพณีและเทศกาล | festivals
culture | ปรับปรุงศูนย์กีฬาและลานกีฬาชุมชน | Renovating sports centres | ศูนย์กีฬา | sports centres
culture | ส่งเสริมการท่องเที่ยวชุมชน | Community tourism | การท่องเที่ยวชุมชน | community tourism
culture | จัดกิจกรรมดนตรีในสวน | Music in the park | กิจกรรมนันทนาการ | recreation
fire | ก่อสร้างสถานีดับเพลิงและกู้ภัย | Building fire stations | สถานีดับเพลิง | fire stations
fire | ซ้อมแผนป้องกันและระงับอัคคีภัยในชุมชน | Community fire drills | การป้องกันอัคคีภัย | fire prevention
fire | ฝึกอบรมอาสาสมัครป้องกันภัยฝ่ายพลเรือน | Civil defence volunteers | อาสาสมัครป้องกันภัย | volunteers
fire | พัฒนาระบบรับแจ้งเหตุฉุกเฉิน 199 | The 199 emergency line | การรับแจ้งเหตุฉุกเฉิน | emergency calls
finance | พัฒนาระบบจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง | Land and building tax | การจัดเก็บภาษี | tax collection
finance | พัฒนาระบบบัญชีและการเงินอิเล็กทรอนิกส์ | Electronic accounting | ระบบบัญชี | accounting
finance | สำรวจและจัดทำทะเบียนทรัพย์สิน | Asset register survey | การบริหารทรัพย์สิน | asset management
admin | พัฒนาระบบสารสนเทศเพื่อการบริหาร | Management information systems | ระบบสารสนเทศ | information systems
admin | พัฒนาศักยภาพบุคลากร | Staff development | การพัฒนาบุคลากร | staff development
admin | ประชาสัมพันธ์ผลงานของกรุงเทพมหานคร | Publicising the BMA's work | การประชาสัมพันธ์ | public relations
admin | พัฒนาระบบงานสารบรรณอิเล็กทรอนิกส์ | Electronic documents | งานสารบรรณ | document workflow
admin | เพิ่มประสิทธิภาพการให้บริการประชาชน | Better public services | การบริการประชาชน | public services
district | พัฒนาชุมชนและเครือข่ายอาสาสมัคร | Community and volunteers | การพัฒนาชุมชน | community development
district | ดูแลความสะอาดคูคลองและที่สาธารณะ | Clean canals and public places | ความสะอาด | cleanliness
district | ปรับปรุงทางเท้าและไฟส่องสว่างในซอย | Footpaths and lighting in sois | ทางเท้าและไฟฟ้า | footpaths
district | เพิ่มประสิทธิภาพการจัดเก็บรายได้ | Better revenue collection | การจัดเก็บรายได้ | revenue collection
district | แก้ไขปัญหาน้ำท่วมขังในจุดเสี่ยง | Fixing flood-prone spots | น้ำท่วมขัง | local flooding
district | พัฒนาสวนหย่อมและพื้นที่สีเขียวในชุมชน | Pocket parks | พื้นที่สีเขียว | green space
"""
):
    WORKS[_theme].append(tuple(_work))

# The strategy dimensions (pillar.dimension) each theme's projects support; districts
# support any.
THEME_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "works": ("4.2", "2.1"),
    "drainage": ("1.2", "4.2"),
    "environment": ("1.1", "2.2"),
    "medical": ("3.2",),
    "health": ("3.2", "3.1"),
    "education": ("6.2",),
    "order": ("1.2", "5.2"),
    "traffic": ("2.1",),
    "social": ("3.1",),
    "culture": ("6.1",),
    "fire": ("1.2",),
    "finance": ("7.1", "5.2"),
    "admin": ("7.1", "7.2", "5.2"),
}

CITY_PLACES: tuple[Pair, ...] = (
    ("", ""),
    ("", ""),
    (" ในพื้นที่กรุงเทพมหานคร", " in Bangkok"),
    (" ในพื้นที่กรุงเทพมหานครชั้นใน", " in inner Bangkok"),
    (" ในพื้นที่ฝั่งธนบุรี", " on the Thonburi side"),
)

# Three ways to word each of the five steps.
STEP_PHRASES: list[list[str]] = _table(
    """
จัดทำรายละเอียดโครงการและขออนุมัติ | สำรวจข้อมูลและจัดทำแผนการดำเนินงาน | ประชุมชี้แจงและแต่งตั้งคณะทำงาน
ดำเนินการจัดซื้อจัดจ้าง | จัดทำขอบเขตของงาน (TOR) และประกาศจัดจ้าง | ประสานหน่วยงานที่เกี่ยวข้องและเตรียมพื้นที่
ดำเนินการตามแผนงานระยะที่ 1 | ดำเนินการตามสัญญาจ้าง | จัดกิจกรรมตามแผนงาน
ดำเนินการตามแผนงานระยะที่ 2 | ติดตามความก้าวหน้าและแก้ไขปัญหา | ตรวจรับงานตามงวดงาน
สรุปและรายงานผลการดำเนินงาน | ประเมินผลและจัดทำรายงานฉบับสมบูรณ์ | ส่งมอบงานและรายงานผล
"""
)

RATIONALE_OPENINGS: tuple[str, ...] = (
    "กรุงเทพมหานครมีภารกิจในการดูแลด้าน{subject}ให้แก่ประชาชนกว่า 5 ล้านคน",
    "ปัจจุบันปัญหาด้าน{subject}ส่งผลกระทบต่อคุณภาพชีวิตของประชาชนในหลายพื้นที่",
    "จากการรับฟังความคิดเห็นของประชาชน พบว่าด้าน{subject}ยังต้องได้รับการพัฒนา",
)
RATIONALE_CLOSINGS: tuple[str, ...] = (
    "{department}จึงได้จัดทำ{name} "
    "เพื่อให้การดำเนินงานเป็นไปอย่างมีประสิทธิภาพและสอดคล้องกับแผนพัฒนากรุงเทพมหานคร",
    "{department}จึงเห็นควรดำเนิน{name} เพื่อแก้ไขปัญหาและยกระดับการให้บริการประชาชน",
)
OBJECTIVE_PHRASES: tuple[str, ...] = (
    "เพื่อพัฒนา{subject}ให้มีประสิทธิภาพและได้มาตรฐาน",
    "เพื่อให้ประชาชนได้รับบริการด้าน{subject}อย่างทั่วถึง",
    "เพื่อลดปัญหาและผลกระทบด้าน{subject}",
    "เพื่อส่งเสริมการมีส่วนร่วมของประชาชนและภาคีเครือข่าย",
    "เพื่อเพิ่มประสิทธิภาพการบริหารจัดการของหน่วยงาน",
)
TARGET_PHRASES: tuple[str, ...] = (
    "ดำเนินการแล้วเสร็จร้อยละ 100 ภายในปีงบประมาณ",
    "ประชาชนในพื้นที่ไม่น้อยกว่า {people} คนได้รับประโยชน์",
    "ความพึงพอใจของผู้รับบริการไม่น้อยกว่าร้อยละ 80",
    "มีรายงานผลการดำเนินงาน 1 ฉบับ",
    "ดำเนินการครอบคลุม {sites} แห่ง",
)
PROBLEMS: tuple[str, ...] = (
    "การจัดซื้อจัดจ้างล่าช้า เนื่องจากไม่มีผู้ยื่นข้อเสนอในครั้งแรก",
    "ได้รับการจัดสรรงบประมาณล่าช้ากว่าที่กำหนด",
    "ผู้รับจ้างขาดแคลนแรงงานและวัสดุ",
    "ฝนตกหนักต่อเนื่อง ทำให้ต้องหยุดงานเป็นระยะ",
    "ต้องปรับแบบรายละเอียดตามข้อเสนอของประชาชนในพื้นที่",
    "รอผลการพิจารณาอนุมัติจากผู้บริหาร",
    "เจ้าหน้าที่ผู้รับผิดชอบมีภารกิจเร่งด่วนอื่น",
)
OBSTACLES: tuple[str, ...] = (
    "ต้องประสานหน่วยงานสาธารณูปโภคเพื่อย้ายแนวท่อและสายไฟ",
    "พื้นที่ดำเนินการมีการจราจรหนาแน่น ทำงานได้เฉพาะเวลากลางคืน",
    "ประชาชนบางส่วนยังไม่เห็นด้วยกับรูปแบบการดำเนินงาน",
    "ระเบียบการเบิกจ่ายมีขั้นตอนมาก",
)
NONE_WORDS: tuple[str, ...] = ("ไม่มี", "-", "")
DONE_PHRASES: tuple[str, ...] = (
    "อยู่ระหว่าง{step}",
    "อยู่ระหว่าง{step} ดำเนินการได้ร้อยละ {percent} ของงานทั้งหมด",
    "ดำเนินการ{step}แล้วบางส่วน",
)
DONE_FINISHED: tuple[str, ...] = (
    "ดำเนินการแล้วเสร็จตามแผนงาน",
    "ดำเนินโครงการแล้วเสร็จ อยู่ระหว่างสรุปผลการดำเนินงาน",
    "ดำเนินการแล้วเสร็จและส่งมอบงานเรียบร้อยแล้ว",
)
DONE_NOT_STARTED = "อยู่ระหว่างเตรียมการ ยังไม่เริ่มดำเนินการ"
EVALUATION_COMMENTS: tuple[str, ...] = (
    "ควรเร่งรัดการดำเนินงานให้เป็นไปตามแผน",
    "ควรรายงานปัญหาและแนวทางแก้ไขให้ชัดเจน",
)

FIRST_NAMES_MALE = ("สมชาย", "ประเสริฐ", "วิชัย", "สุรชัย", "ธนากร", "ณัฐพล", "อนุชา")
FIRST_NAMES_FEMALE = ("สุภาพร", "วันเพ็ญ", "กาญจนา", "ศิริพร", "นภัสสร", "จิราพร", "อรุณี")
SURNAMES = (
    "ใจดี",
    "ศรีสุข",
    "วงศ์สวัสดิ์",
    "บุญมา",
    "ทองคำ",
    "แก้วมณี",
    "รัตนพันธ์",
    "จันทร์เพ็ญ",
    "เจริญผล",
    "พึ่งบุญ",
)

# Strategy tree: pillars (ด้าน) and dimensions (มิติ) with each dimension's topic;
# goals (เป้าหมาย) and objectives (เป้าประสงค์) are worded from the topic below.
# code | Thai title | English title | Thai topic | English topic
STRATEGY_ROWS: list[list[str]] = _table(
    """
1 | มหานครปลอดภัย | Safe city
1.1 | ลดมลพิษ | Less pollution | การควบคุมมลพิษ | pollution control
1.2 | ปลอดภัยจากภัยพิบัติและอาชญากรรม | Safe from disasters and crime | ความปลอดภัย | safety
2 | มหานครสีเขียว สะดวกสบาย | Green and convenient city
2.1 | ลดปัญหาการจราจร | Less congestion | การเดินทาง | travel
2.2 | เพิ่มพื้นที่สีเขียว | More green space | พื้นที่สีเขียว | green space
3 | มหานครสำหรับทุกคน | City for all
3.1 | สังคมผู้สูงอายุและคนพิการ | Older and disabled people | สวัสดิการสังคม | social welfare
3.2 | สุขภาพและสาธารณสุข | Health | การสาธารณสุข | public health
4 | มหานครกระชับ | Compact city
4.1 | การพัฒนาเมืองตามผังเมือง | Planned urban development | การวางผังเมือง | city planning
4.2 | ระบบสาธารณูปโภค | Utilities | สาธารณูปโภค | utilities
5 | มหานครประชาธิปไตย | Democratic city
5.1 | การมีส่วนร่วมของประชาชน | Public participation | การมีส่วนร่วม | participation
5.2 | ความโปร่งใส | Transparency | ธรรมาภิบาล | good governance
6 | มหานครแห่งเศรษฐกิจและการเรียนรู้ | City of economy and learning
6.1 | เศรษฐกิจและการท่องเที่ยว | Economy and tourism | เศรษฐกิจ | the economy
6.2 | การศึกษาและการเรียนรู้ | Education and learning | การศึกษา | education
7 | การบริหารจัดการเมืองมหานคร | Metropolitan management
7.1 | การบริหารทรัพยากรบุคคล | Human resources | การบริหารบุคลากร | staffing
7.2 | มหานครอัจฉริยะและบริการดิจิทัล | Smart city, digital services | บริการดิจิทัล | digital services
"""
)
# Per goal number, the goal's title and its two objectives' titles (Thai, English).
GOAL_WORDING: tuple[tuple[Pair, Pair, Pair], ...] = (
    (
        ("{topic}ได้มาตรฐานและทั่วถึง", "Standard {topic_en} for every district"),
        ("ลดปัญหาด้าน{topic}ในพื้นที่เสี่ยง", "Fewer {topic_en} problems in risk areas"),
        ("ยกระดับมาตรฐานด้าน{topic}", "Higher standards of {topic_en}"),
    ),
    (
        ("ประชาชนพึงพอใจด้าน{topic}", "Residents satisfied with {topic_en}"),
        ("เพิ่มช่องทางการให้บริการด้าน{topic}", "More ways to reach {topic_en}"),
        ("ส่งเสริมการมีส่วนร่วมด้าน{topic}", "More participation in {topic_en}"),
    ),
)


@dataclass(frozen=True)
class KpiTemplate:
    name_th: str
    name_en: str
    unit: str
    aggregation: str
    direction: str
    targets: tuple[int, ...]
    level: str
    whole: bool = True


_A = progress.Aggregation
_UP = progress.Direction.HIGHER
_DOWN = progress.Direction.LOWER
_OUTPUT = Indicator.Level.OUTPUT
_OUTCOME = Indicator.Level.OUTCOME

KPI_TEMPLATES: tuple[KpiTemplate, ...] = (
    KpiTemplate(
        "ร้อยละความสำเร็จของการดำเนินงานด้าน{subject}",
        "Percentage of {subject_en} work completed",
        "ร้อยละ",
        _A.LATEST,
        _UP,
        (80, 90, 100),
        _OUTPUT,
        whole=False,
    ),
    KpiTemplate(
        "จำนวนรายงานผลการศึกษาด้าน{subject}",
        "Number of study reports on {subject_en}",
        "ฉบับ",
        _A.LATEST,
        _UP,
        (1, 2, 3),
        _OUTPUT,
    ),
    KpiTemplate(
        "จำนวนครั้งของการจัดกิจกรรมด้าน{subject}",
        "Number of events on {subject_en}",
        "ครั้ง",
        _A.SUM,
        _UP,
        (4, 6, 12, 24),
        _OUTPUT,
    ),
    KpiTemplate(
        "จำนวนประชาชนที่ได้รับประโยชน์ด้าน{subject}",
        "Number of residents served ({subject_en})",
        "คน",
        _A.SUM,
        _UP,
        (200, 500, 1000, 5000),
        _OUTCOME,
    ),
    KpiTemplate(
        "จำนวนพื้นที่ที่ได้รับการพัฒนาด้าน{subject}",
        "Number of sites improved ({subject_en})",
        "แห่ง",
        _A.MAX,
        _UP,
        (5, 10, 20, 50),
        _OUTPUT,
    ),
    KpiTemplate(
        "ระดับความสำเร็จของการพัฒนาด้าน{subject}",
        "Level of success in {subject_en}",
        "ระดับ",
        _A.LATEST,
        _UP,
        (5,),
        _OUTPUT,
    ),
    KpiTemplate(
        "ร้อยละความพึงพอใจของประชาชนต่อ{subject}",
        "Residents' satisfaction with {subject_en} (%)",
        "ร้อยละ",
        _A.MEAN,
        _UP,
        (80, 85),
        _OUTCOME,
        whole=False,
    ),
    KpiTemplate(
        "ร้อยละของเรื่องร้องเรียนด้าน{subject}ที่ค้างดำเนินการ",
        "Share of open complaints about {subject_en} (%)",
        "ร้อยละ",
        _A.LATEST,
        _DOWN,
        (10, 15, 20),
        _OUTCOME,
        whole=False,
    ),
    KpiTemplate(
        "จำนวนจุดเสี่ยงด้าน{subject}ที่ยังไม่ได้รับการแก้ไข",
        "Number of unresolved risk spots ({subject_en})",
        "แห่ง",
        _A.LATEST,
        _DOWN,
        (5, 10, 20),
        _OUTCOME,
    ),
)
KPI_KINDS: tuple[tuple[str, int], ...] = (
    (Indicator.Kind.STRATEGIC, 45),
    (Indicator.Kind.ROUTINE, 30),
    (Indicator.Kind.NEGOTIATED, 15),
    (Indicator.Kind.OBJECTIVE, 10),
)

# How a project's reports behave over its year, with their shares of projects.
PROFILES: tuple[tuple[str, int], ...] = (
    ("on_track", 60),
    ("behind", 12),
    ("early", 12),
    ("stalled", 10),
    ("late_start", 6),
)


# Actual progress as a multiple of the planned, by profile.
PACE: dict[str, tuple[float, float]] = {
    "on_track": (1.0, 1.2),
    "behind": (0.3, 0.7),
    "early": (1.3, 1.6),
    "stalled": (0.6, 1.0),
    "late_start": (0.7, 1.0),
}
# The chance that a project of each profile reports 100 % in the last month of its year.
FINISHING: dict[str, float] = {
    "on_track": 0.9,
    "behind": 0.3,
    "early": 1.0,
    "stalled": 0.0,
    "late_start": 0.5,
}


@dataclass(frozen=True)
class Summary:
    """What ``generate()`` wrote."""

    fiscal_years: list[int]
    departments: int
    strategies: int
    projects: int
    steps: int
    updates: int
    budget_lines: int
    project_evaluations: int
    indicators: int
    indicator_results: int
    indicator_evaluations: int
    seconds: float


class _Record:
    """A row being generated: its columns as attributes. Far cheaper than a model
    instance, of which a 100,000-project year would need millions."""

    def __init__(self, **columns: Any) -> None:
        self.__dict__.update(columns)


@dataclass
class _Draft:
    """A project being generated, with the rows that hang from it (emptied once
    written: only the project itself is needed later, for KPIs and successors)."""

    project: _Record
    spec: DepartmentSpec
    work: tuple[str, str, str, str]
    place: Pair
    steps: list[_Record] = field(default_factory=list)
    updates: list[_Record] = field(default_factory=list)
    budget_lines: list[_Record] = field(default_factory=list)


# The columns the generator gives each table; the others take their defaults.
PROJECT_COLUMNS = (
    "id",
    "code",
    "name_th",
    "name_en",
    "kind",
    "department_id",
    "fiscal_year",
    "officer_name",
    "officer_contact",
    "budget_owner_unit",
    "budget_implementing_unit",
    "budget_amount",
    "rationale",
    "objectives",
    "targets",
    "is_routine",
    "predecessor_id",
    "citizen_benefit",
)
STEP_COLUMNS = (
    "project_id",
    "number",
    "description",
    "weight",
    "planned_start",
    "planned_end",
)
UPDATE_COLUMNS = (
    "project_id",
    "report_date",
    "percent",
    "done",
    "problems",
    "obstacles",
    "disbursed",
    "committed",
)
BUDGET_LINE_COLUMNS = ("project_id", "number", "category_id", "amount", "source")
EVALUATION_COLUMNS = ("project_id", "quarter", "score", "comment")
INDICATOR_COLUMNS = (
    "id",
    "code",
    "name_th",
    "name_en",
    "unit",
    "target",
    "kind",
    "level",
    "department_id",
    "fiscal_year",
    "definition",
    "calculation_method",
    "aggregation",
    "direction",
)
RESULT_COLUMNS = ("indicator_id", "quarter", "value", "report")

_COPY_NULL = "\\N"


def _copy_text(value: str) -> str:
    """A text value escaped for COPY's text format."""
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class _Writer:
    """Writes rows a table at a time: COPY on PostgreSQL, one ``executemany``
    elsewhere (SQLite). Each value goes through its field's preparation for the
    database (``get_db_prep_save``: Thai text normalised, lists as JSON); the
    columns not given take their field's default, and ``auto_now`` fields the
    time of the run, as ``bulk_create`` would."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.copy = connection.vendor == "postgresql"
        self.next_ids: dict[type[models.Model], int] = {}

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        """``count`` new primary keys for ``model``'s rows, from its sequence."""
        if count < 1:
            return []
        table, pk = model._meta.db_table, model._meta.pk.column
        if self.copy:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                    "FROM generate_series(1, %s)",
                    [table, pk, count],
                )
                return [row[0] for row in cursor.fetchall()]
        if model not in self.next_ids:
            quote = connection.ops.quote_name
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")  # noqa: S608  # nosec B608 (names from the model)
                highest = cursor.fetchone()[0] or 0
                if connection.vendor == "sqlite":
                    # AUTOINCREMENT never gives a deleted row's key again; nor do we.
                    cursor.execute(
                        "SELECT seq FROM sqlite_sequence WHERE name = %s", [table]
                    )
                    row = cursor.fetchone()
                    highest = max(highest, row[0] if row else 0)
            self.next_ids[model] = highest + 1
        first = self.next_ids[model]
        self.next_ids[model] = first + count
        return list(range(first, first + count))

    def write(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
    ) -> int:
        """Write ``rows`` (values in the order of ``columns``, field attnames);
        returns how many."""
        rows = list(rows)
        if not rows:
            return 0
        meta = model._meta
        given = [meta.get_field(name) for name in columns]
        names = set(columns)
        rest = [
            f
            for f in meta.concrete_fields
            if f.attname not in names and not isinstance(f, AutoFieldMixin)
        ]
        defaults = [self._default(f) for f in rest]
        fields = given + rest
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        column_list = ", ".join(quote(f.column) for f in fields)
        if self.copy:
            self._copy(
                f"COPY {table} ({column_list}) FROM STDIN", fields, rows, defaults
            )
        else:
            prepare = [_prepare(f) for f in fields]
            placeholders = ", ".join(["%s"] * len(fields))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})",  # noqa: S608  # nosec B608 (names from the model, values as parameters)
                    [
                        [
                            convert(value)
                            for convert, value in zip(
                                prepare, (*row, *defaults), strict=True
                            )
                        ]
                        for row in rows
                    ],
                )
        return len(rows)

    def _default(self, field: models.Field) -> Any:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return self.now
        return field.get_default()

    def _copy(
        self,
        sql: str,
        fields: list[models.Field],
        rows: list[Sequence[Any]],
        defaults: list[Any],
    ) -> None:
        formats = [_copy_format(f) for f in fields[: len(fields) - len(defaults)]]
        tail = "".join(
            "\t" + _copy_format(f)(value)
            for f, value in zip(fields[len(formats) :], defaults, strict=True)
        )
        buffer = io.StringIO()
        write = buffer.write
        for row in rows:
            write(
                "\t".join([fmt(value) for fmt, value in zip(formats, row, strict=True)])
            )
            write(tail)
            write("\n")
        buffer.seek(0)
        started = time.monotonic()
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, buffer)
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(buffer.getvalue())
        if connection.queries_logged:
            # COPY bypasses Django's cursor wrapper; count it as the query it is.
            connection.queries_log.append(
                {
                    "sql": f"{sql} -- {len(rows)} rows",
                    "time": f"{time.monotonic() - started:.3f}",
                }
            )


def _prepare(field: models.Field) -> Callable[[Any], Any]:
    """A value as the database driver takes it for ``field``."""
    return lambda value: field.get_db_prep_save(value, connection)


def _copy_format(field: models.Field) -> Callable[[Any], str]:
    """A value written for ``field`` in COPY's text format: the same value that
    ``get_db_prep_save`` gives the driver, in the driver's text form."""
    if isinstance(field, TextListField):

        def items(value: Any) -> str:
            if value is None:
                return _COPY_NULL
            return _copy_text(
                json.dumps(
                    field.get_prep_value(value), cls=field.encoder, ensure_ascii=False
                )
            )

        return items
    if isinstance(field, models.CharField | models.TextField):
        # The same phrases recur on thousands of rows: normalise each once.
        memo: dict[str, str] = {}

        def text(value: Any) -> str:
            if value is None:
                return _COPY_NULL
            try:
                return memo[value]
            except KeyError:
                prepared = field.get_db_prep_save(value, connection)
                out = _COPY_NULL if prepared is None else _copy_text(str(prepared))
                if len(memo) < 50_000:
                    memo[value] = out
                return out

        return text
    if isinstance(field, models.BooleanField):
        return lambda value: _COPY_NULL if value is None else ("t" if value else "f")
    if isinstance(field, models.DateField):  # DateTimeField too
        return lambda value: _COPY_NULL if value is None else value.isoformat()
    if isinstance(field, models.IntegerField | models.DecimalField | models.ForeignKey):
        return lambda value: _COPY_NULL if value is None else str(value)

    def other(value: Any) -> str:
        prepared = field.get_db_prep_save(value, connection)
        return _COPY_NULL if prepared is None else _copy_text(str(prepared))

    return other


# Budget categories a generated project's money is split into, most common first.
BUDGET_MIX = ("operating", "investment", "subsidy", "personnel", "other")
FUND_SOURCES = (
    "งบประมาณกรุงเทพมหานคร",
    "งบประมาณกรุงเทพมหานคร",
    "งบประมาณกรุงเทพมหานคร",
    "เงินอุดหนุนรัฐบาล",
    "เงินนอกงบประมาณ",
)
BENEFIT_PHRASES = (
    "ประชาชนใน{place}ได้รับ{subject}ที่ดีขึ้น สะดวกและปลอดภัยกว่าเดิม",
    "ผู้อยู่อาศัยและผู้สัญจรใน{place}ได้ใช้{subject}ที่ได้มาตรฐาน",
    "ประชาชนได้ประโยชน์จาก{subject}โดยตรง ลดเวลาและค่าใช้จ่ายในการเดินทางและติดต่อราชการ",
)


def as_of(value: str | date | None) -> date:
    """The date data is generated as of: a typed date (ISO or BE), or today in Bangkok."""
    if value is None:
        return timezone.localdate()
    if isinstance(value, date):
        return value
    return thaicalendar.parse_date(value)


def generated_data_exists() -> bool:
    """True when any of the generator's departments is in the database."""
    return Department.objects.filter(code__in=GENERATED_DEPARTMENT_CODES).exists()


@transaction.atomic
def delete_generated() -> int:
    """Delete the generator's departments with all their projects and KPIs.

    Returns the number of projects deleted. The strategy tree and the evaluation
    criteria stay: they are shared with what people enter and reused by the next run.
    """
    departments = Department.objects.filter(code__in=GENERATED_DEPARTMENT_CODES)
    Indicator.objects.filter(department__in=departments).delete()
    projects = Project.objects.filter(department__in=departments)
    Project.objects.filter(predecessor__in=projects).update(predecessor=None)
    for model in (ProgressUpdate, PlanStep, ProjectEvaluation):
        model.objects.filter(project__in=projects).delete()
    count = projects.count()
    projects.delete()
    departments.delete()
    return count


def generate(
    *,
    projects: int,
    today: date,
    seed: int = DEFAULT_SEED,
    years: int = 3,
    batch_size: int = DEFAULT_BATCH_SIZE,
    replace: bool = False,
    log: Log | None = None,
) -> Summary:
    """Write ``projects`` projects for each of ``years`` fiscal years up to ``today``'s.

    Raises GeneratedDataExists when generated data is there already, unless
    ``replace`` deletes it first.
    """
    if projects < 1 or years < 1 or batch_size < 1:
        raise ValueError("projects, years and batch_size must be at least 1")
    started = time.perf_counter()
    with transaction.atomic():
        if generated_data_exists():
            if not replace:
                raise GeneratedDataExists(
                    "Generated data already exists; use replace to delete it first."
                )
            deleted = delete_generated()
            if log:
                log(f"deleted {deleted} generated projects")
        counts = _Generator(
            rng=random.Random(seed),
            projects=projects,
            today=today,
            years=years,
            batch_size=batch_size,
            log=log or (lambda message: None),
        ).run()
    return Summary(**counts, seconds=round(time.perf_counter() - started, 2))


class _Generator:
    """One run of ``generate()``: the random source, the date, and what was written."""

    def __init__(
        self,
        *,
        rng: random.Random,
        projects: int,
        today: date,
        years: int,
        batch_size: int,
        log: Log,
    ) -> None:
        self.rng = rng
        # Money draws come from their own generator, so the rest of the data set
        # stays as it was before budgets were generated.
        self.money_rng = random.Random(rng.random())
        self.categories: dict[str, BudgetCategory] = {}
        self.per_year = projects
        self.today = today
        self.batch_size = batch_size
        self.log = log
        self.rows = _Writer(timezone.now())
        current = thaicalendar.fiscal_year_of(today)
        self.fiscal_years = list(range(current - years + 1, current + 1))
        self.threshold = settings.BEHIND_THRESHOLD
        self.theme_objectives: dict[str, list[StrategyNode]] = {}
        self.project_numbers: dict[str, int] = defaultdict(
            lambda: FIRST_PROJECT_NUMBER - 1
        )
        self.indicator_numbers: dict[str, int] = defaultdict(
            lambda: FIRST_INDICATOR_NUMBER - 1
        )
        self.counts = dict.fromkeys(
            (
                "steps",
                "updates",
                "budget_lines",
                "project_evaluations",
                "indicators",
                "indicator_results",
                "indicator_evaluations",
            ),
            0,
        )

    def run(self) -> dict:
        specs = pick_departments(department_count(self.per_year))
        departments = self._write_departments(specs)
        self.categories = {c.code: c for c in BudgetCategory.objects.all()}
        strategies = self._write_strategy_tree()
        objectives = [n for n in strategies if n.level == StrategyNode.Level.OBJECTIVE]
        criteria = write_criteria(fiscal_years=self.fiscal_years)
        self.log(
            f"{len(departments)} departments, {len(strategies)} strategy nodes, "
            f"fiscal years {self.fiscal_years[0]}–{self.fiscal_years[-1]}"
        )
        weights = [spec.weight for spec in specs]
        previous: list[_Draft] = []
        total = self.per_year * len(self.fiscal_years)
        written = 0
        for fiscal_year in self.fiscal_years:
            drafts: list[_Draft] = []
            successors = self._pick_predecessors(previous)
            for start in range(0, self.per_year, self.batch_size):
                size = min(self.batch_size, self.per_year - start)
                ids = iter(self.rows.ids(Project, size))
                chunk = [
                    self._draft_project(
                        fiscal_year,
                        self.rng.choices(specs, weights)[0],
                        departments,
                        successors,
                        next(ids),
                    )
                    for _ in range(size)
                ]
                self._write_projects(chunk, objectives)
                drafts += chunk
                written += size
                self.log(f"projects {written}/{total} (FY {fiscal_year})")
            self._write_indicators(fiscal_year, drafts, criteria)
            previous = drafts
        return {
            "fiscal_years": self.fiscal_years,
            "departments": len(departments),
            "strategies": len(strategies),
            "projects": written,
            **self.counts,
        }

    # Reference data

    def _write_departments(self, specs: list[DepartmentSpec]) -> dict[str, Department]:
        departments = Department.objects.bulk_create(
            Department(
                code=spec.code,
                name_th=spec.name_th,
                name_en=spec.name_en,
                short_name=spec.short_name,
                kind=spec.kind,
            )
            for spec in specs
        )
        return {department.code: department for department in departments}

    def _write_strategy_tree(self) -> list[StrategyNode]:
        """The whole tree, creating only the nodes whose codes are missing."""
        existing = {node.code: node for node in StrategyNode.objects.all()}
        # (code, Thai title, English title, parent code), one list per level.
        levels: list[list[tuple[str, str, str, str | None]]] = [[], [], [], []]
        for code, title_th, title_en, *topic in STRATEGY_ROWS:
            if not topic:
                levels[0].append((code, title_th, title_en, None))
                continue
            levels[1].append((code, title_th, title_en, code.split(".")[0]))
            words = {"topic": topic[0], "topic_en": topic[1]}
            for number, (goal, *objectives) in enumerate(GOAL_WORDING, start=1):
                goal_code = f"{code}.{number}"
                levels[2].append(
                    (goal_code, goal[0].format(**words), goal[1].format(**words), code)
                )
                for sub, (objective_th, objective_en) in enumerate(objectives, 1):
                    levels[3].append(
                        (
                            f"{goal_code}.{sub}",
                            objective_th.format(**words),
                            objective_en.format(**words),
                            goal_code,
                        )
                    )
        for level, rows in zip(StrategyNode.Level.values, levels, strict=True):
            missing = [
                StrategyNode(
                    level=level,
                    code=code,
                    title_th=title_th,
                    title_en=title_en,
                    parent=existing[parent] if parent else None,
                )
                for code, title_th, title_en, parent in rows
                if code not in existing
            ]
            for node in StrategyNode.objects.bulk_create(missing):
                existing[node.code] = node
        return [existing[row[0]] for rows in levels for row in rows]

    # Projects

    def _pick_predecessors(self, previous: list[_Draft]) -> dict[str, list[_Draft]]:
        """Last year's projects that continue this year, by department code."""
        successors: dict[str, list[_Draft]] = defaultdict(list)
        for draft in previous:
            if self.rng.random() < 0.3:
                successors[draft.spec.code].append(draft)
        return successors

    def _draft_project(
        self,
        fiscal_year: int,
        spec: DepartmentSpec,
        departments: dict[str, Department],
        successors: dict[str, list[_Draft]],
        pk: int,
    ) -> _Draft:
        rng = self.rng
        department = departments[spec.code]
        self.project_numbers[spec.code] += 1
        # The seed's department (21000000) is not among the generator's, so no code
        # can be the seed's 21000000-3152.
        code = f"{spec.code}-{self.project_numbers[spec.code]}"
        predecessor = successors[spec.code].pop() if successors[spec.code] else None
        if predecessor is not None:
            # The same work continued: same kind, title and place, a new year.
            work, place = predecessor.work, predecessor.place
            kind = predecessor.project.kind
        else:
            work = rng.choice(WORKS[spec.theme])
            kind = rng.choices((Project.Kind.PROJECT, Project.Kind.ACTIVITY), (7, 3))[0]
            place = self._place(spec)
        title_th, title_en, subject, _subject_en = work
        place_th, place_en = place
        kind_th = "โครงการ" if kind == Project.Kind.PROJECT else "กิจกรรม"
        name_th = f"{kind_th}{title_th}{place_th} ประจำปีงบประมาณ พ.ศ. {fiscal_year}"
        name_en = f"{title_en}{place_en}, FY {fiscal_year}"
        budget = None
        if kind == Project.Kind.PROJECT or rng.random() < 0.3:
            budget = Decimal(rng.randint(5, 5000) * 10_000)
        # Budget units look like the seed's 21100100: department, division, section.
        division, section = rng.randint(10, 32), rng.randint(1, 3)
        owner_unit = f"{spec.code[:2]}{division}0{section}00"
        implementing_unit = owner_unit if rng.random() < 0.8 else f"{owner_unit[:6]}01"
        project = _Record(
            id=pk,
            code=code,
            name_th=name_th,
            name_en=name_en,
            kind=kind,
            department=department,
            department_id=department.pk,
            fiscal_year=fiscal_year,
            officer_name=self._officer_name(),
            officer_contact=f"0 2{rng.randint(200, 299)} {rng.randint(1000, 9999)}",
            budget_owner_unit=owner_unit,
            budget_implementing_unit=implementing_unit,
            budget_amount=budget,
            rationale=self._rationale(subject, spec.name_th, name_th),
            objectives=[
                phrase.format(subject=subject)
                for phrase in rng.sample(OBJECTIVE_PHRASES, rng.randint(2, 3))
            ],
            targets=[
                phrase.format(
                    people=rng.choice((500, 1000, 5000)), sites=rng.randint(3, 30)
                )
                for phrase in rng.sample(TARGET_PHRASES, rng.randint(2, 3))
            ],
            is_routine=rng.random() < 0.2,
            predecessor_id=predecessor.project.id if predecessor else None,
        )
        draft = _Draft(project=project, spec=spec, work=work, place=place)
        draft.steps = self._plan(project, fiscal_year)
        draft.updates = self._updates(project, fiscal_year, draft.steps)
        project.citizen_benefit = self.money_rng.choice(BENEFIT_PHRASES).format(
            subject=subject, place=place_th.strip() or "กรุงเทพมหานคร"
        )
        draft.budget_lines = self._budget_lines(project)
        self._disburse(project, draft.updates)
        return draft

    def _budget_lines(self, project: _Record) -> list[_Record]:
        """The budget split into one to three categories whose total is exact."""
        if project.budget_amount is None or not self.categories:
            return []
        rng = self.money_rng
        codes = [code for code in BUDGET_MIX if code in self.categories]
        chosen = rng.sample(codes, rng.choices((1, 2, 3), (5, 4, 1))[0])
        total = project.budget_amount
        amounts = []
        left = total
        for _code in chosen[:-1]:
            share = (total * Decimal(rng.randint(20, 60)) / 100).quantize(Decimal(1000))
            share = min(share, left)
            amounts.append(share)
            left -= share
        amounts.append(left)
        return [
            _Record(
                project_id=project.id,
                number=number,
                category_id=self.categories[code].pk,
                amount=amount,
                source=rng.choice(FUND_SOURCES),
            )
            for number, (code, amount) in enumerate(
                zip(chosen, amounts, strict=True), start=1
            )
        ]

    def _disburse(self, project: _Record, updates: list[_Record]) -> None:
        """Cumulative disbursed (and sometimes committed) on each report: money
        lags the work and most of it is paid late in the year, as real projects
        are (contracts are paid on delivery)."""
        budget = project.budget_amount
        if budget is None or not updates:
            return
        rng = self.money_rng
        lag = rng.uniform(1.4, 2.6)
        ceiling = Decimal(str(rng.uniform(0.88, 1.0)))
        commits = rng.random() < 0.6
        paid = Decimal(0)
        for update in updates:
            share = Decimal(str((float(update.percent) / 100) ** lag))
            if update.report_date.month in (8, 9):
                share = max(share, Decimal(str(float(update.percent) / 100 * 0.9)))
            amount = (budget * share * ceiling).quantize(Decimal(100))
            paid = max(paid, min(amount, budget))
            update.disbursed = paid
            if commits:
                planned = budget * min(Decimal(1), update.percent / 80 + Decimal("0.2"))
                update.committed = max(Decimal(0), planned - paid).quantize(
                    Decimal(100)
                )

    def _place(self, spec: DepartmentSpec) -> Pair:
        """Where the work is done: a district office's district, else somewhere."""
        if spec.kind == Department.Kind.DISTRICT:
            return f" {spec.short_name}", f" in {spec.name_en.removesuffix(' Office')}"
        return self.rng.choice(CITY_PLACES)

    def _officer_name(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            title, first = "นาย", rng.choice(FIRST_NAMES_MALE)
        else:
            title, first = rng.choice(("นาง", "นางสาว")), rng.choice(FIRST_NAMES_FEMALE)
        return f"{title}{first} {rng.choice(SURNAMES)}"

    def _rationale(self, subject: str, department: str, name: str) -> str:
        opening = self.rng.choice(RATIONALE_OPENINGS).format(subject=subject)
        closing = self.rng.choice(RATIONALE_CLOSINGS).format(
            department=department, name=name
        )
        return f"{opening} {closing}"

    def _plan(self, project: _Record, fiscal_year: int) -> list[_Record]:
        """Five steps inside the fiscal year whose weights total exactly 100."""
        rng = self.rng
        first, last = thaicalendar.fiscal_year_bounds(fiscal_year)
        start = first + timedelta(days=rng.choice((0, 0, 0, 14, 31, 61, 92)))
        end = last - timedelta(days=rng.choice((0, 0, 0, 15, 30, 61)))
        span = (end - start).days
        cuts = sorted(rng.sample(range(15, span - 15), STEPS_PER_PROJECT - 1))
        bounds = [0, *cuts, span + 1]
        if rng.random() < 0.8:
            points = sorted(rng.sample(range(5, 100, 5), STEPS_PER_PROJECT - 1))
        else:
            points = sorted(rng.sample(range(1, 100), STEPS_PER_PROJECT - 1))
        weights = [b - a for a, b in zip([0, *points], [*points, 100], strict=True)]
        all_milestones = rng.random() < 0.1
        steps = []
        for number in range(1, STEPS_PER_PROJECT + 1):
            step_start = start + timedelta(days=bounds[number - 1])
            step_end = start + timedelta(days=bounds[number] - 1)
            if all_milestones or rng.random() < 0.1:
                step_start = step_end
            steps.append(
                _Record(
                    project_id=project.id,
                    number=number,
                    description=rng.choice(STEP_PHRASES[number - 1]),
                    weight=Decimal(weights[number - 1]),
                    planned_start=step_start,
                    planned_end=step_end,
                )
            )
        return steps

    def _updates(
        self, project: _Record, fiscal_year: int, steps: list[_Record]
    ) -> list[_Record]:
        """Monthly reports of cumulative % up to today, following a profile."""
        rng = self.rng
        names, shares = zip(*PROFILES, strict=True)
        profile = rng.choices(names, shares)[0]
        _first, last = thaicalendar.fiscal_year_bounds(fiscal_year)
        until = min(self.today, last)
        dates = []
        for year, month in thaicalendar.fiscal_months(fiscal_year):
            day = date(year, month, rng.randint(10, 25))
            if day <= until:
                dates.append(day)
        if profile == "stalled" and dates:
            dates = dates[: max(1, len(dates) - rng.randint(2, 4))]
        if profile == "late_start":
            dates = dates[rng.randint(1, 4) :]
        pace = rng.uniform(*PACE[profile])
        rounding = rng.choices((5, 1, 0), (6, 3, 1))[0]
        finishes = rng.random() < FINISHING[profile]
        drop_at = rng.randint(3, 11) if rng.random() < 0.02 else None
        updates: list[_Record] = []
        percent = Decimal(0)
        for index, day in enumerate(dates):
            planned = float(progress.planned_percent(steps, day))
            raw = planned * pace + rng.uniform(-4, 6)
            if finishes and day.month == 9:
                raw = 100.0
            value = self._rounded(min(100.0, max(0.0, raw)), rounding)
            if index == drop_at and percent >= 10:
                value = percent - 5
            elif value < percent:
                value = percent
            if percent >= 100 and rng.random() < 0.2:
                break  # Some stop reporting once complete.
            percent = value
            behind = planned - float(percent) > self.threshold
            updates.append(
                _Record(
                    project_id=project.id,
                    report_date=day,
                    percent=percent,
                    done=self._done(steps, day, percent),
                    problems=self._remark(PROBLEMS, 0.8 if behind else 0.1),
                    obstacles=self._remark(OBSTACLES, 0.4 if behind else 0.05),
                    disbursed=None,
                    committed=None,
                )
            )
        return updates

    @staticmethod
    def _rounded(value: float, step: int) -> Decimal:
        if step == 0:
            return progress.quantize(Decimal(str(round(value, 2))))
        return Decimal(int(round(value / step) * step))

    def _done(self, steps: list[_Record], day: date, percent: Decimal) -> str:
        if percent >= 100:
            return self.rng.choice(DONE_FINISHED)
        if percent == 0:
            return DONE_NOT_STARTED
        current = next((s for s in steps if s.planned_end >= day), steps[-1])
        return self.rng.choice(DONE_PHRASES).format(
            step=current.description, percent=percent
        )

    def _remark(self, phrases: Sequence[str], chance: float) -> str:
        if self.rng.random() < chance:
            return self.rng.choice(phrases)
        return self.rng.choice(NONE_WORDS)

    def _passed_quarters(self, fiscal_year: int) -> list[tuple[int, date]]:
        quarters = []
        for quarter in range(1, 5):
            _first, last = thaicalendar.quarter_bounds(fiscal_year, quarter)
            if last <= self.today:
                quarters.append((quarter, last))
        return quarters

    def _write_projects(
        self, chunk: list[_Draft], objectives: list[StrategyNode]
    ) -> None:
        rng, rows = self.rng, self.rows
        rows.write(
            Project,
            PROJECT_COLUMNS,
            _values(PROJECT_COLUMNS, (d.project for d in chunk)),
        )
        links = []
        for draft in chunk:
            if not draft.project.is_routine:
                node = rng.choice(self._objectives_of(draft.spec.theme, objectives))
                links.append((draft.project.id, node.pk))
        rows.write(Project.strategies.through, ("project_id", "strategynode_id"), links)
        self.counts["steps"] += rows.write(
            PlanStep,
            STEP_COLUMNS,
            _values(STEP_COLUMNS, (s for d in chunk for s in d.steps)),
        )
        self.counts["updates"] += rows.write(
            ProgressUpdate,
            UPDATE_COLUMNS,
            _values(UPDATE_COLUMNS, (u for d in chunk for u in d.updates)),
        )
        self.counts["budget_lines"] += rows.write(
            BudgetLine,
            BUDGET_LINE_COLUMNS,
            _values(BUDGET_LINE_COLUMNS, (b for d in chunk for b in d.budget_lines)),
        )
        evaluations = [
            evaluation
            for draft in chunk
            for evaluation in self._project_evaluations(draft)
        ]
        self.counts["project_evaluations"] += rows.write(
            ProjectEvaluation, EVALUATION_COLUMNS, evaluations
        )
        for draft in chunk:
            # Written: only the project is needed from here on.
            draft.steps, draft.updates, draft.budget_lines = [], [], []

    def _objectives_of(
        self, theme: str, objectives: list[StrategyNode]
    ) -> list[StrategyNode]:
        """The strategy objectives a theme's projects support (any, for districts)."""
        if theme not in self.theme_objectives:
            dimensions = THEME_DIMENSIONS.get(theme)
            self.theme_objectives[theme] = [
                node
                for node in objectives
                if dimensions is None or node.code.rsplit(".", 2)[0] in dimensions
            ]
        return self.theme_objectives[theme]

    def _project_evaluations(self, draft: _Draft) -> list[tuple]:
        """A score per passed quarter, lower when the project was behind plan."""
        evaluations = []
        history = [(u.report_date, u.percent) for u in draft.updates]
        for quarter, last in self._passed_quarters(draft.project.fiscal_year):
            actual = progress.actual_percent(history, last)
            planned = progress.planned_percent(draft.steps, last)
            state = progress.status(actual, planned, self.threshold)
            comment = ""
            if actual is None:
                score = self.rng.choice((0, 25, 50))
                comment = EVALUATION_COMMENTS[1]
            elif state == progress.Status.BEHIND:
                score = self.rng.choice((50, 60, 70, 80))
                comment = EVALUATION_COMMENTS[0]
            else:
                score = self.rng.choice((90, 100, 100, 100))
            evaluations.append((draft.project.id, quarter, Decimal(score), comment))
        return evaluations

    # KPIs

    def _write_indicators(
        self,
        fiscal_year: int,
        drafts: list[_Draft],
        criteria: dict[tuple[int, str], EvaluationCriterion],
    ) -> None:
        """One KPI per five projects, linked to one to three projects of its department."""
        rng = self.rng
        by_department: dict[str, list[_Draft]] = defaultdict(list)
        for draft in drafts:
            by_department[draft.spec.code].append(draft)
        anchors = rng.sample(drafts, max(1, len(drafts) // PROJECTS_PER_KPI))
        quarters = self._passed_quarters(fiscal_year)
        indicator_ids = iter(self.rows.ids(Indicator, len(anchors)))
        evaluation_ids = iter(
            self.rows.ids(IndicatorEvaluation, len(anchors) * len(quarters))
        )
        indicators, links, results, evaluations, scores = [], [], [], [], []
        for anchor in anchors:
            template = rng.choice(KPI_TEMPLATES)
            indicator = self._indicator(fiscal_year, anchor, template)
            indicator.id = next(indicator_ids)
            indicators.append(indicator)
            others = [d for d in by_department[anchor.spec.code] if d is not anchor]
            linked = [anchor, *rng.sample(others, min(len(others), rng.randint(0, 2)))]
            links += [(indicator.id, d.project.id) for d in linked]
            factor = rng.uniform(0.6, 1.15)
            for quarter, _last in quarters:
                value = self._quarter_value(template, indicator.target, quarter, factor)
                results.append(
                    (
                        indicator.id,
                        quarter,
                        value,
                        (
                            f"ผลการดำเนินงานไตรมาสที่ {quarter}: "
                            f"{value.normalize():f} {template.unit}"
                        ),
                    )
                )
                evaluation = next(evaluation_ids)
                evaluations.append((evaluation, indicator.id, quarter))
                on_time = Decimal(rng.choice((100, 100, 100, 90, 80, 60)))
                achieved = Decimal(min(100, round(factor * 10) * 10))
                for code, _name_th, _name_en in EVALUATION_CRITERIA:
                    scores.append(
                        (
                            evaluation,
                            criteria[fiscal_year, code].pk,
                            achieved if code == "2.1" else on_time,
                        )
                    )
        rows = self.rows
        rows.write(Indicator, INDICATOR_COLUMNS, _values(INDICATOR_COLUMNS, indicators))
        rows.write(Indicator.projects.through, ("indicator_id", "project_id"), links)
        rows.write(IndicatorResult, RESULT_COLUMNS, results)
        rows.write(IndicatorEvaluation, ("id", "indicator_id", "quarter"), evaluations)
        rows.write(CriterionScore, ("evaluation_id", "criterion_id", "score"), scores)
        self.counts["indicators"] += len(indicators)
        self.counts["indicator_results"] += len(results)
        self.counts["indicator_evaluations"] += len(evaluations)
        self.log(
            f"KPIs {len(indicators)} (FY {fiscal_year}), {len(results)} quarter results"
        )

    def _indicator(
        self, fiscal_year: int, anchor: _Draft, template: KpiTemplate
    ) -> _Record:
        rng = self.rng
        department = anchor.project.department
        prefix = department.indicator_prefix
        self.indicator_numbers[prefix] += 1
        _title_th, _title_en, subject, subject_en = anchor.work
        kinds, weights = zip(*KPI_KINDS, strict=True)
        name_th = template.name_th.format(subject=subject)
        return _Record(
            code=f"{prefix}-{self.indicator_numbers[prefix]}",
            name_th=name_th,
            name_en=template.name_en.format(subject_en=subject_en),
            unit=template.unit,
            target=Decimal(rng.choice(template.targets)),
            kind=rng.choices(kinds, weights)[0],
            level=template.level,
            department_id=department.pk,
            fiscal_year=fiscal_year,
            definition=f"{name_th} ในปีงบประมาณ พ.ศ. {fiscal_year}",
            calculation_method=_calculation_method(template),
            aggregation=template.aggregation,
            direction=template.direction,
        )

    def _quarter_value(
        self, template: KpiTemplate, target: Decimal, quarter: int, factor: float
    ) -> Decimal:
        """A quarter's result: ``factor`` of the target by year end, spread by quarter."""
        rng = self.rng
        goal = float(target)
        if template.direction == _DOWN:
            # Starts at about three times the target and falls towards it.
            value = goal * (3 - 2 * quarter / 4 * factor) * rng.uniform(0.9, 1.1)
        elif template.aggregation == _A.SUM:
            value = goal / 4 * factor * rng.uniform(0.7, 1.3)
        elif template.aggregation == _A.MEAN:
            value = goal * factor * rng.uniform(0.95, 1.05)
        else:
            value = goal * factor * quarter / 4
        if template.unit == "ร้อยละ":
            value = min(value, 100.0)
        if template.unit == "ระดับ":
            value = min(max(round(value), 1), 5)
        if template.whole:
            return Decimal(round(value))
        return progress.quantize(Decimal(str(round(value, 2))))


def _values(columns: Sequence[str], records: Iterable[_Record]) -> list[tuple]:
    """Each record's values in the order of ``columns``."""
    values = operator.attrgetter(*columns)
    return [values(record) for record in records]


def _calculation_method(template: KpiTemplate) -> str:
    how = {
        _A.LATEST: "ใช้ผลของไตรมาสล่าสุด",
        _A.SUM: "รวมผลของทุกไตรมาส",
        _A.MAX: "ใช้ผลสูงสุดของไตรมาส",
        _A.MEAN: "เฉลี่ยผลของทุกไตรมาส",
    }[template.aggregation]
    better = "ยิ่งน้อยยิ่งดี" if template.direction == _DOWN else "ยิ่งมากยิ่งดี"
    return f"{how} หน่วยนับ {template.unit} ({better})"


def add_missing_money(*, seed: int = DEFAULT_SEED, log: Log = print) -> int:
    """Give generated projects written before money existed their money, as
    ``generate()`` writes it now: budget lines that total the budget, and the
    cumulative disbursed (and sometimes committed) on their reports.

    Only projects with a budget, no budget line and no report giving an amount
    are touched, so a second run changes nothing. Draws come from a generator
    seeded with ``seed`` and the project's code, so the result does not depend
    on which projects were filled before. Returns how many projects got money.
    """
    projects = list(
        Project.objects.filter(
            department__code__in=GENERATED_DEPARTMENT_CODES,
            budget_amount__isnull=False,
            budget_lines__isnull=True,
        )
        .exclude(updates__disbursed__isnull=False)
        .order_by("code")
        .distinct()
    )
    if not projects:
        return 0
    filler = _Generator(
        rng=random.Random(seed),
        projects=0,
        today=timezone.localdate(),
        years=1,
        batch_size=DEFAULT_BATCH_SIZE,
        log=log,
    )
    filler.categories = {c.code: c for c in BudgetCategory.objects.all()}
    updates: dict[int, list[ProgressUpdate]] = defaultdict(list)
    for update in ProgressUpdate.objects.filter(project__in=projects).order_by(
        "report_date"
    ):
        updates[update.project_id].append(update)
    lines: list[BudgetLine] = []
    for project in projects:
        filler.money_rng = random.Random(f"{seed}-{project.code}")
        lines += [
            BudgetLine(**vars(record)) for record in filler._budget_lines(project)
        ]
        filler._disburse(project, updates[project.pk])
    with transaction.atomic():
        BudgetLine.objects.bulk_create(lines, batch_size=DEFAULT_BATCH_SIZE)
        ProgressUpdate.objects.bulk_update(
            [update for chunk in updates.values() for update in chunk],
            ["disbursed", "committed"],
            batch_size=DEFAULT_BATCH_SIZE,
        )
    log(f"Money for {len(projects)} generated projects written before budgets")
    return len(projects)
