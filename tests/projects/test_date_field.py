"""Tests of the BE date form field, its widget and the date template filters."""

from datetime import UTC, date, datetime

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from projects.forms import ThaiDateField, ThaiDateInput


class DateForm(forms.Form):
    day = ThaiDateField()
    later = ThaiDateField(required=False)


def _errors(text: str) -> list[str]:
    form = DateForm(data={"day": text})
    assert not form.is_valid()
    return form.errors["day"]


# Form field


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/9/2563", date(2020, 9, 15)),
        ("15/09/2563", date(2020, 9, 15)),
        ("15-9-2563", date(2020, 9, 15)),
        ("2020-09-15", date(2020, 9, 15)),
        ("2563-09-15", date(2020, 9, 15)),
        ("15/9/2020", date(2020, 9, 15)),
        ("29/2/2563", date(2020, 2, 29)),
        ("  1/10/2563  ", date(2020, 10, 1)),
    ],
)
def test_field_reads_be_ce_and_iso(text: str, expected: date) -> None:
    form = DateForm(data={"day": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"day": expected, "later": None}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("29/2/2564", "That day does not exist: Feb 2021 has 28 days, not 29."),
        ("31/4/2563", "That day does not exist: Apr 2020 has 30 days, not 31."),
        ("1/13/2563", "There is no month 13; months go from 1 to 12."),
        (
            "1/1/2300",
            "The year 2300 is neither a Buddhist year (2400 to 2800) nor a "
            "Christian one (1900 to 2200); check its digits.",
        ),
    ],
)
def test_field_says_why_a_date_is_impossible(text: str, message: str) -> None:
    with translation.override("en"):
        assert _errors(text) == [message]


def test_field_names_the_month_in_thai() -> None:
    with translation.override("th"):
        (message,) = _errors("29/2/2564")
    assert "ก.พ. 2564" in message and "28" in message


@pytest.mark.parametrize("text", ["tomorrow", "15 ก.ย. 2563", "2563"])
def test_field_refuses_an_invalid_date_with_an_example(text: str) -> None:
    with translation.override("en"):
        assert _errors(text) == [
            "Enter a date such as 15/9/2563 (Buddhist year) or 2020-09-15."
        ]


@pytest.mark.parametrize(("text", "year"), [("15/9/63", "63"), ("1/1/20", "20")])
def test_field_asks_for_four_digits_when_the_era_is_ambiguous(
    text: str, year: str
) -> None:
    with translation.override("en"):
        assert _errors(text) == [
            f"The year {year} could be Buddhist or Christian era; type all four "
            "digits, e.g. 2563 or 2020."
        ]


def test_field_error_codes() -> None:
    form = DateForm(data={"day": "15/9/63", "later": "31/4/2563"})
    assert not form.is_valid()
    assert form.errors.as_data()["day"][0].code == "ambiguous"
    assert form.errors.as_data()["later"][0].code == "no_such_day"


@pytest.mark.parametrize("text", ["", "   "])
def test_field_blank_input_is_required_or_none(text: str) -> None:
    form = DateForm(data={"day": text, "later": text})
    assert not form.is_valid()
    assert form.errors.as_data()["day"][0].code == "required"
    assert "later" not in form.errors


def test_field_accepts_date_and_datetime_values() -> None:
    field = ThaiDateField()
    assert field.clean(date(2020, 9, 15)) == date(2020, 9, 15)
    assert field.clean(datetime(2020, 9, 15, 10, 0)) == date(2020, 9, 15)


def test_field_sees_no_change_when_the_same_date_is_typed_in_be() -> None:
    form = DateForm(data={"day": "15/9/2563"}, initial={"day": date(2020, 9, 15)})
    assert form.is_valid()
    assert not form.has_changed()


# Widget


def test_widget_shows_an_initial_date_in_be() -> None:
    form = DateForm(initial={"day": date(2020, 9, 15)})
    assert 'value="15/9/2563"' in str(form["day"])


def test_widget_redisplays_what_was_typed_after_an_error() -> None:
    form = DateForm(data={"day": "31/4/2563"})
    assert not form.is_valid()
    assert 'value="31/4/2563"' in str(form["day"])


def test_widget_has_placeholder_and_no_autocomplete() -> None:
    with translation.override("en"):
        html = str(DateForm()["day"])
    assert 'type="text"' in html
    assert 'placeholder="dd/mm/yyyy (B.E.)"' in html
    assert 'autocomplete="off"' in html
    assert "inputmode" not in html


def test_widget_attrs_can_be_overridden() -> None:
    widget = ThaiDateInput(attrs={"placeholder": "15/9/2563", "class": "x"})
    html = widget.render("day", None)
    assert 'placeholder="15/9/2563"' in html
    assert 'class="x"' in html
    assert 'autocomplete="off"' in html


def test_widget_of_empty_value_has_no_value() -> None:
    assert "value=" not in ThaiDateInput().render("day", None)


# Template filters


def _render(source: str, lang: str, **context: object) -> str:
    with translation.override(lang):
        return Template("{% load thaidates %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("source", "th", "en"),
    [
        ("{{ d|be_date }}", "15 ก.ย. 2563", "15 Sep 2020"),
        ("{{ d|be_date_long }}", "15 กันยายน 2563", "15 September 2020"),
        ("{{ d|month_label }}", "ก.ย. 2563", "Sep 2020"),
        ("{{ fy|fiscal_year_label }}", "ปีงบประมาณ 2563", "FY 2563 (2019–20)"),
        ("{{ fy|quarter_label:q }}", "ไตรมาสที่ 2/2563", "Q2 FY 2563"),
        ("{{ fy|quarter_label:2 }}", "ไตรมาสที่ 2/2563", "Q2 FY 2563"),
    ],
)
def test_filters_follow_the_active_language(source: str, th: str, en: str) -> None:
    context = {"d": date(2020, 9, 15), "fy": 2563, "q": 2}
    assert _render(source, "th", **context) == th
    assert _render(source, "en", **context) == en


def test_filters_show_an_aware_datetime_on_its_bangkok_date() -> None:
    moment = datetime(2020, 9, 30, 18, 0, tzinfo=UTC)
    source = "{{ m|be_date }} {{ m|month_label }}"
    assert _render(source, "th", m=moment) == "1 ต.ค. 2563 ต.ค. 2563"


@pytest.mark.parametrize(
    "source",
    [
        "{{ none|be_date }}",
        "{{ none|be_date_long }}",
        "{{ none|month_label }}",
        "{{ none|fiscal_year_label }}",
        "{{ none|quarter_label:2 }}",
        "{{ missing|be_date }}",
    ],
)
def test_filters_show_nothing_for_no_value(source: str) -> None:
    assert _render(source, "th", none=None) == ""
