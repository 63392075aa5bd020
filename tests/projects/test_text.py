"""Thai text is stored normalised however it arrives: create, bulk, update, lookup."""

import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from projects.fields import TextListFormField
from projects.models import Department, ProgressUpdate, Project
from projects.text import normalize_items, normalize_optional, normalize_text
from tests.factories import DepartmentFactory, ProgressUpdateFactory, ProjectFactory

DECOMPOSED = "ส\u0e4d\u0e32นัก"  # สํานัก: nikhahit + sara aa
COMPOSED = "ส\u0e33นัก"  # สำนัก: sara am


# The pure functions


def test_decomposed_sara_am_becomes_composed():
    assert normalize_text(DECOMPOSED) == COMPOSED
    assert normalize_text("กรุงเทพมหานคร สํานักงบประมาณ") == ("กรุงเทพมหานคร สำนักงบประมาณ")


def test_tone_mark_between_nikhahit_and_sara_aa_moves_before_sara_am():
    # นํ้า (nikhahit, mai tho, sara aa), as PDFs often give it, is น้ำ.
    assert normalize_text("น\u0e4d\u0e49\u0e32") == "น\u0e49\u0e33"
    assert normalize_text("น\u0e49\u0e4d\u0e32") == "น\u0e49\u0e33"


def test_text_is_nfc():
    decomposed_latin = unicodedata.normalize("NFD", "Café")
    assert decomposed_latin != "Café"
    assert normalize_text(decomposed_latin) == "Café"


def test_whitespace_around_text_is_trimmed_inside_kept():
    assert normalize_text("  \tสำนัก  การโยธา \n") == "สำนัก  การโยธา"
    assert normalize_text("\u00a0สำนัก\u00a0") == "สำนัก"


def test_empty_and_none_give_empty_text():
    assert normalize_text(None) == ""
    assert normalize_text("") == ""
    assert normalize_text("   ") == ""


@pytest.mark.parametrize(
    "typed", ["ไม่มี", "-", "  - ", "", "--", "None", "N/A", " ไม่มี ", "ไม่มี."]
)
def test_words_for_none_become_empty(typed):
    assert normalize_optional(typed) == ""


def test_real_problem_text_is_kept_normalised():
    assert normalize_optional("  งบประมาณล่าช้า - รอการอนุมัติ ") == (
        "งบประมาณล่าช้า - รอการอนุมัติ"
    )
    assert normalize_optional("ไม่มีงบประมาณ") == "ไม่มีงบประมาณ"
    assert normalize_optional(f" {DECOMPOSED} ") == COMPOSED


def test_items_drop_blanks_and_are_normalised_each():
    assert normalize_items([f" {DECOMPOSED} ", "", "  ", None, "ข้อ 2"]) == [
        COMPOSED,
        "ข้อ 2",
    ]


def test_items_from_text_are_its_lines():
    assert normalize_items(f"ข้อ 1\r\n\n  {DECOMPOSED}\n") == ["ข้อ 1", COMPOSED]
    assert normalize_items(None) == []


def test_list_form_field_reads_one_item_per_line():
    field = TextListFormField(required=False)
    assert field.clean(f"ข้อ 1\n\n {DECOMPOSED} \n") == ["ข้อ 1", COMPOSED]
    assert field.clean("") == []
    assert field.widget.format_value(["ข้อ 1", "ข้อ 2"]) == "ข้อ 1\nข้อ 2"


def test_project_model_form_edits_lists_one_item_per_line():
    field = Project._meta.get_field("objectives").formfield()
    assert isinstance(field, TextListFormField)
    assert field.required is False
    assert field.show_hidden_initial is False


# Through the ORM


@pytest.mark.django_db
def test_create_stores_composed_sara_am_trimmed():
    department = DepartmentFactory(name_th=f"  {DECOMPOSED}การโยธา ")
    assert department.name_th == f"{COMPOSED}การโยธา"
    assert Department.objects.values_list("name_th", flat=True).get() == (
        f"{COMPOSED}การโยธา"
    )


@pytest.mark.django_db
def test_bulk_create_stores_composed_sara_am():
    Department.objects.bulk_create(
        [
            Department(code="21000000", name_th=f"{DECOMPOSED}ยุทธศาสตร์ "),
            Department(code="22000000", name_th=f" {DECOMPOSED}การคลัง"),
        ]
    )
    assert list(Department.objects.values_list("name_th", flat=True)) == [
        f"{COMPOSED}ยุทธศาสตร์",
        f"{COMPOSED}การคลัง",
    ]


@pytest.mark.django_db
def test_update_through_save_stores_composed_sara_am():
    department = DepartmentFactory(name_th="เดิม")
    department.name_th = f"{DECOMPOSED}เขตพระนคร"
    department.save()
    department.refresh_from_db()
    assert department.name_th == f"{COMPOSED}เขตพระนคร"


@pytest.mark.django_db
def test_queryset_update_stores_composed_sara_am():
    department = DepartmentFactory(name_th="เดิม")
    Department.objects.filter(pk=department.pk).update(name_th=f"{DECOMPOSED} ")
    department.refresh_from_db()
    assert department.name_th == COMPOSED


@pytest.mark.django_db
def test_lookup_with_decomposed_form_finds_composed_row():
    department = DepartmentFactory(name_th=f"{COMPOSED}การแพทย์")
    DepartmentFactory(name_th="สำนักอนามัย")
    assert list(Department.objects.filter(name_th=f"{DECOMPOSED}การแพทย์")) == [
        department
    ]
    assert list(Department.objects.filter(name_th__in=[f"{DECOMPOSED}การแพทย์"])) == [
        department
    ]


@pytest.mark.django_db
def test_problems_and_obstacles_store_words_for_none_as_empty():
    project = ProjectFactory()
    typed = ["ไม่มี", "-", "  - ", ""]
    for day, word in enumerate(typed, start=1):
        ProgressUpdateFactory(
            project=project,
            report_date=date(2020, 1, day),
            problems=word,
            obstacles=word,
        )
    stored = ProgressUpdate.objects.order_by("report_date").values_list(
        "problems", "obstacles"
    )
    assert list(stored) == [("", "")] * len(typed)


@pytest.mark.django_db
def test_problems_and_obstacles_keep_real_text():
    update = ProgressUpdateFactory(
        problems=f" ผู้รับจ้างส่งงานล่าช้า{DECOMPOSED} ", obstacles="ฝนตกหนัก"
    )
    update.refresh_from_db()
    assert (update.problems, update.obstacles) == (
        f"ผู้รับจ้างส่งงานล่าช้า{COMPOSED}",
        "ฝนตกหนัก",
    )


@pytest.mark.django_db
def test_work_done_keeps_a_dash_a_word_for_none_only_in_problems():
    update = ProgressUpdateFactory(done="-", problems="-")
    update.refresh_from_db()
    assert (update.done, update.problems) == ("-", "")


@pytest.mark.django_db
def test_bulk_created_update_stores_words_for_none_as_empty():
    project = ProjectFactory()
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(
                project=project,
                report_date=date(2020, 1, 31),
                percent=Decimal(10),
                problems="ไม่มี",
                obstacles=" - ",
            )
        ]
    )
    assert ProgressUpdate.objects.values_list("problems", "obstacles").get() == (
        "",
        "",
    )


@pytest.mark.django_db
def test_text_list_drops_blank_items_and_normalises_each_on_create():
    project = ProjectFactory(
        objectives=[f" {DECOMPOSED}ให้ประชาชน ", "", "   ", "ข้อที่ 2"],
        targets=[],
    )
    project.refresh_from_db()
    assert project.objectives == [f"{COMPOSED}ให้ประชาชน", "ข้อที่ 2"]
    assert project.targets == []


@pytest.mark.django_db
def test_text_list_normalised_on_bulk_create_and_queryset_update():
    department = DepartmentFactory()
    Project.objects.bulk_create(
        [
            Project(
                code=f"{department.code}-1",
                name_th="โครงการ",
                department=department,
                fiscal_year=2563,
                officer_name="นาย ก",
                objectives=["", f"{DECOMPOSED} "],
            )
        ]
    )
    assert Project.objects.values_list("objectives", flat=True).get() == [COMPOSED]
    Project.objects.update(targets=[" เป้า 1 ", "", f"{DECOMPOSED}"])
    assert Project.objects.values_list("targets", flat=True).get() == [
        "เป้า 1",
        COMPOSED,
    ]


@pytest.mark.django_db
def test_text_list_given_as_text_stores_its_lines():
    project = ProjectFactory(objectives="ข้อ 1\n\nข้อ 2\n")
    project.refresh_from_db()
    assert project.objectives == ["ข้อ 1", "ข้อ 2"]
