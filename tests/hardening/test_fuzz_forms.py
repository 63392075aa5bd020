"""Hypothesis drives the forms that read people's input: whatever is typed, a form
either cleans it or says what is wrong; it never raises anything else.

The staff reporting forms are fuzzed the same way once they have settled (issue 8).
"""

from datetime import date

import pytest
from django import forms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.forms import IndicatorFilterForm
from indicators.models import Indicator
from projects import demo, thaicalendar
from projects.forms import FiscalYearField, ProjectFilterForm, ThaiDateField
from projects.models import Project
from projects.progress import Status

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a person, a bot or an attacker might send: anything, and some near misses.
junk_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "2563",
            "2020",
            "99999999999999999999",
            "-1",
            "1e309",
            "NaN",
            "15/9/2563",
            "31/2/2563",
            "2020-02-30",
            "๑๕/๙/๒๕๖๓",
            "' OR '1'='1",
            "<script>alert(1)</script>",
            "21000000",
            "21000000-3152",
            "2100-1044",
            "behind",
            "overdue",
            "-progress",
        ]
    ),
)


def query(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(names), junk_text, max_size=len(names))


@pytest.fixture
def seed(db):
    demo.write_seed_project()


@pytest.mark.django_db
@FUZZ
@given(data=query([*ProjectFilterForm.base_fields, "page", "unknown"]))
def test_the_project_filters_never_crash(seed, data):
    form = ProjectFilterForm(data)
    filters = form.filters()
    on = date(2020, 6, 30)
    projects = form.apply(
        Project.objects.for_fiscal_year(filters.get("fy") or 2563)
        .visible_list()
        .with_progress(on),
        filters,
        on,
    )
    list(projects[:5])
    assert set(filters) <= set(ProjectFilterForm.base_fields)
    if "status" in filters:
        assert filters["status"] in {*Status.values, "overdue"}


@pytest.mark.django_db
@FUZZ
@given(data=query([*IndicatorFilterForm.base_fields, "page"]))
def test_the_indicator_filters_never_crash(seed, data):
    form = IndicatorFilterForm(data)
    filters = form.filters()
    indicators = form.apply(
        Indicator.objects.for_fiscal_year(filters.get("fy") or 2563), filters
    )
    list(indicators[:5])


@FUZZ
@given(text=junk_text)
def test_the_be_date_field_cleans_or_explains(text):
    field = ThaiDateField(required=False)
    try:
        cleaned = field.clean(text)
    except forms.ValidationError as error:
        assert error.messages
    else:
        assert cleaned is None or isinstance(cleaned, date)


@FUZZ
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_the_be_date_field_reads_back_what_it_shows(day):
    field = ThaiDateField()
    assert field.clean(thaicalendar.to_input(day)) == day
    assert field.clean(day.isoformat()) == day


@FUZZ
@given(text=junk_text)
def test_the_fiscal_year_field_gives_a_be_year_or_an_error(text):
    try:
        year = FiscalYearField().clean(text)
    except forms.ValidationError:
        return
    assert year is None or 2500 <= year <= 2700
