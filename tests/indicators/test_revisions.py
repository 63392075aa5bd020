"""KPI target revisions: the rule picking the target in force, the one write path
(service and admin), the figures of a quarter, the KPI page and the history."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators import services
from indicators.models import Indicator, TargetRevision
from projects import evaluations, progress, quality
from projects.models import QuarterLock
from tests.factories import (
    IndicatorFactory,
    IndicatorResultFactory,
    ProjectFactory,
    UserFactory,
)
from tests.indicators.test_views import make_seed_like_kpi
from tests.projects.test_admin import admin_url, post_data

D = Decimal


# The target in force on a day: a pure rule


class TestTargetOn:
    ORIGINAL_THEN_REVISED = [
        (None, date(2020, 1, 15), D(1)),
        (date(2020, 1, 15), None, D(10)),
    ]

    def test_without_revisions_the_current_target_holds(self):
        assert progress.target_on([], D(5), date(2020, 1, 1)) == D(5)

    @pytest.mark.parametrize(
        "day, target",
        [
            (date(2019, 10, 1), D(1)),
            (date(2020, 1, 14), D(1)),
            (date(2020, 1, 15), D(10)),
            (date(2020, 9, 30), D(10)),
        ],
    )
    def test_a_revision_holds_from_its_first_day_to_the_day_before_its_end(
        self, day, target
    ):
        assert progress.target_on(self.ORIGINAL_THEN_REVISED, D(10), day) == target

    def test_the_latest_revision_wins_where_spans_overlap(self):
        revisions = [
            (None, date(2020, 4, 1), D(1)),
            (date(2020, 4, 1), date(2020, 2, 1), D(2)),  # superseded before it held
            (date(2020, 2, 1), None, D(3)),
        ]
        assert progress.target_on(revisions, D(3), date(2020, 3, 1)) == D(3)
        assert progress.target_on(revisions, D(3), date(2020, 1, 31)) == D(1)


def test_needs_checking_when_any_quarter_carries_a_flag():
    flag = quality.Flag("over_target", "x")
    assert quality.needs_checking([[], [flag], []])
    assert not quality.needs_checking([[], []])
    assert not quality.needs_checking([])


# The service: one write path


@pytest.fixture
def kpi(db):
    """A count KPI of FY 2563 with target 1 and a Q1 result."""
    indicator = IndicatorFactory(fiscal_year=2563, unit="ฉบับ", target=D(1))
    IndicatorResultFactory(indicator=indicator, quarter=1, value=D(1))
    return indicator


def revise(indicator: Indicator, target, user, reason="", today=date(2020, 2, 10)):
    fresh = Indicator.objects.get(pk=indicator.pk)
    version = fresh.version
    fresh.target = D(target)
    return services.save_indicator(
        indicator=fresh, user=user, reason=reason, version=version, today=today
    )


def spans(indicator: Indicator) -> list[tuple]:
    return [
        (r.number, r.target, r.valid_from, r.valid_until, r.reason, r.author)
        for r in TargetRevision.objects.filter(indicator=indicator)
    ]


@pytest.mark.django_db
class TestSaveIndicator:
    def test_a_target_corrected_before_any_result_is_no_revision(self):
        indicator = IndicatorFactory(target=D(1))
        user = UserFactory()
        saved = revise(indicator, 3, user)
        assert (saved.target, saved.version) == (D(3), 2)
        assert spans(indicator) == []

    def test_a_new_target_after_results_needs_a_reason_and_saves_nothing(self, kpi):
        with pytest.raises(services.ReasonRequiredError):
            revise(kpi, 3, UserFactory(), reason="   ")
        stored = Indicator.objects.get(pk=kpi.pk)
        assert (stored.target, stored.version) == (D(1), 1)
        assert spans(kpi) == []

    def test_a_revision_keeps_the_old_target_and_dates_the_new_one(self, kpi):
        user = UserFactory()
        revise(kpi, 3, user, reason="งบประมาณเพิ่ม")
        assert Indicator.objects.get(pk=kpi.pk).target == D(3)
        assert spans(kpi) == [
            (1, D(1), None, date(2020, 2, 10), "", None),
            (2, D(3), date(2020, 2, 10), None, "งบประมาณเพิ่ม", user),
        ]
        revise(kpi, 5, user, reason="ขยายพื้นที่", today=date(2020, 5, 5))
        assert spans(kpi)[1:] == [
            (2, D(3), date(2020, 2, 10), date(2020, 5, 5), "งบประมาณเพิ่ม", user),
            (3, D(5), date(2020, 5, 5), None, "ขยายพื้นที่", user),
        ]

    def test_the_same_target_is_no_revision(self, kpi):
        revise(kpi, 1, UserFactory())
        assert spans(kpi) == []

    def test_a_revision_never_reaches_into_a_locked_quarter(self, kpi):
        staff = UserFactory(role="staff")
        kpi.department.members.add(staff)
        for quarter in (1, 2):
            QuarterLock.objects.create(
                fiscal_year=2563, quarter=quarter, department=kpi.department
            )
        revise(kpi, 3, staff, reason="ปรับแผน", today=date(2020, 2, 10))
        assert [s[2:4] for s in spans(kpi)] == [
            (None, date(2020, 4, 1)),
            (date(2020, 4, 1), None),
        ]

    def test_a_save_over_someone_elses_is_refused(self, kpi):
        first = Indicator.objects.get(pk=kpi.pk)
        second = Indicator.objects.get(pk=kpi.pk)
        first.name_th = "ชื่อใหม่"
        services.save_indicator(indicator=first, user=UserFactory(), version=1)
        second.target = D(9)
        with pytest.raises(services.ConflictError):
            services.save_indicator(
                indicator=second, user=UserFactory(), reason="x", version=1
            )
        stored = Indicator.objects.get(pk=kpi.pk)
        assert (stored.name_th, stored.target, stored.version) == ("ชื่อใหม่", D(1), 2)

    def test_the_history_names_who_revised(self, kpi):
        user = UserFactory()
        revise(kpi, 3, user, reason="เหตุผล")
        revision = TargetRevision.objects.get(number=2)
        assert revision.history.get().history_user == user


# A quarter's figures use the target in force at its end


@pytest.fixture
def revised_seed(db):
    """The seed KPI (target 1; 15, 40, 0, 1), its target raised to 10 on 15 Jan
    2020 (in Q2): Q1 keeps target 1, Q2 to Q4 use 10."""
    indicator = make_seed_like_kpi()
    revise(
        indicator, 10, UserFactory(first_name="สมชาย"), "ปรับตามแผน", date(2020, 1, 15)
    )
    return Indicator.objects.for_page().get(pk=indicator.pk)


def test_quarter_rows_use_the_target_in_force_at_each_quarter_end(revised_seed):
    rows = revised_seed.quarter_rows([])
    assert [row.target for row in rows] == [D(1), D(10), D(10), D(10)]
    assert [row.achievement for row in rows] == [D(1500), D(400), D(0), D(10)]
    assert ["over_target" in {f.code for f in row.flags} for row in rows] == [
        True,
        False,
        False,
        False,
    ]
    # The KPI's overall achievement (latest quarter: 1) is against the current target.
    assert revised_seed.achievement_percent(revised_seed.achieved) == D(10)


def test_evaluation_rows_use_the_target_in_force_at_the_quarter_end(revised_seed):
    rows = [
        evaluations.indicator_rows([revised_seed], [], quarter)[0] for quarter in (1, 2)
    ]
    assert [(row.target, row.achievement) for row in rows] == [
        (D(1), D(1500)),
        (D(10), D(400)),
    ]


def test_the_result_form_warns_against_the_quarter_target(client, revised_seed):
    # Q1's target was 1, so 40 is over 5×; Q2's is 10, so 40 is not.
    user = UserFactory(role="staff")
    revised_seed.department.members.add(user)
    client.force_login(user)
    for quarter, warned in ((1, True), (2, False)):
        response = client.post(
            reverse("indicators:result-edit", args=[revised_seed.code, quarter]),
            {"value": "40", "version": "1"},
        )
        assert ('data-warning="over_target"' in response.content.decode()) is warned


# The KPI page


@pytest.mark.django_db
class TestKpiPage:
    def test_shows_each_revision_with_be_date_old_and_new_target_reason_and_who(
        self, client, revised_seed
    ):
        page = client.get(revised_seed.get_absolute_url()).content.decode()
        assert "ปรับเป้าหมาย 1 ครั้ง" in page
        assert 'data-testid="kpi-revision-2"' in page
        line = page.split('data-testid="kpi-revision-2">')[1].split("</li>")[0]
        assert "15 ม.ค. 2563" in line
        assert "1 → 10 ฉบับ" in line
        assert "ปรับตามแผน" in line and "สมชาย" in line
        assert 'data-testid="quarter-target-1">1<' in page
        assert 'data-testid="quarter-target-2">10<' in page

    def test_the_chart_steps_the_target_per_quarter(self, client, revised_seed):
        figure = client.get(revised_seed.get_absolute_url()).context["figure"]
        assert figure["data"][1]["y"] == [1.0, 10.0, 10.0, 10.0]

    def test_a_kpi_never_revised_shows_no_revisions(self, client):
        indicator = IndicatorFactory()
        page = client.get(indicator.get_absolute_url()).content.decode()
        assert 'data-testid="kpi-revisions"' not in page
        assert "quarter-target-" not in page

    def test_seed_results_show_needs_checking(self, client):
        page = client.get(make_seed_like_kpi().get_absolute_url()).content.decode()
        assert 'data-testid="kpi-needs-checking">ต้องตรวจสอบ<' in page

    def test_results_without_flags_show_no_needs_checking(self, client, kpi):
        page = client.get(kpi.get_absolute_url()).content.decode()
        assert "kpi-needs-checking" not in page

    def test_query_count_with_revisions(
        self, client, revised_seed, django_assert_num_queries
    ):
        revise(revised_seed, 20, UserFactory(), "อีกครั้ง", date(2020, 5, 1))
        # As without revisions (test_views): the revisions are one prefetch
        # (9 with the results' evidence).
        with django_assert_num_queries(9):
            response = client.get(revised_seed.get_absolute_url())
        assert "ปรับเป้าหมาย 2 ครั้ง" in response.content.decode()


def test_project_history_shows_the_target_revisions(client, admin_user):
    indicator = make_seed_like_kpi(projects=0)
    project = ProjectFactory(department=indicator.department, fiscal_year=2563)
    indicator.projects.add(project)
    revise(indicator, 10, admin_user, "ปรับตามแผน", date(2020, 1, 15))
    client.force_login(admin_user)
    page = client.get(reverse("projects:history", args=[project.code]))
    content = page.content.decode()
    assert "2100-1044 · เป้าหมายที่ 2" in content
    assert "ปรับตามแผน" in content


# The Django admin goes through the same service


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(
        timezone, "localdate", lambda *args, **kwargs: date(2020, 2, 10)
    )


def admin_post(admin_client, indicator, **changes):
    url = admin_url(Indicator, "change", indicator.pk)
    data = post_data(admin_client.get(url))
    data.update({name: str(value) for name, value in changes.items()})
    return admin_client.post(url, data)


@pytest.mark.django_db
@pytest.mark.usefixtures("today")
class TestIndicatorAdmin:
    def test_a_new_target_after_results_without_a_reason_is_a_field_error(
        self, admin_client, kpi
    ):
        response = admin_post(admin_client, kpi, target=3)
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert list(errors) == ["reason"]
        assert "ระบุเหตุผล" in errors["reason"][0]
        stored = Indicator.objects.get(pk=kpi.pk)
        assert (stored.target, stored.version) == (D(1), 1)
        assert spans(kpi) == []

    def test_a_new_target_with_a_reason_is_a_revision_by_the_admin(
        self, admin_client, admin_user, kpi
    ):
        response = admin_post(admin_client, kpi, target=3, reason=" งบเพิ่ม ")
        assert response.status_code == 302
        stored = Indicator.objects.get(pk=kpi.pk)
        assert (stored.target, stored.version) == (D(3), 2)
        assert spans(kpi) == [
            (1, D(1), None, date(2020, 2, 10), "", None),
            (2, D(3), date(2020, 2, 10), None, "งบเพิ่ม", admin_user),
        ]
        page = admin_client.get(admin_url(Indicator, "change", kpi.pk))
        assert "งบเพิ่ม" in page.content.decode()  # the revisions inline

    def test_a_kpi_without_results_changes_its_target_without_a_reason(
        self, admin_client
    ):
        indicator = IndicatorFactory(target=D(1))
        assert admin_post(admin_client, indicator, target=3).status_code == 302
        assert Indicator.objects.get(pk=indicator.pk).target == D(3)
        assert spans(indicator) == []

    def test_a_form_opened_before_someone_elses_save_is_refused(
        self, admin_client, kpi
    ):
        url = admin_url(Indicator, "change", kpi.pk)
        data = post_data(admin_client.get(url))
        other = Indicator.objects.get(pk=kpi.pk)
        other.name_th = "ชื่อของอีกคน"
        services.save_indicator(indicator=other, user=UserFactory(), version=1)
        data.update({"name_th": "ชื่อของฉัน"})
        response = admin_client.post(url, data)
        assert response.status_code == 200
        assert "บันทึกรายการนี้ไปก่อน" in str(response.context["adminform"].form.errors)
        assert Indicator.objects.get(pk=kpi.pk).name_th == "ชื่อของอีกคน"

    def test_a_kpi_added_in_the_admin_starts_at_version_one(self, admin_client, kpi):
        url = admin_url(Indicator, "add")
        data = post_data(admin_client.get(url))
        data.update(
            {
                "code": "2100-7777",
                "name_th": "ตัวชี้วัดใหม่",
                "unit": "ฉบับ",
                "target": "2",
                "kind": "strategic",
                "level": "output",
                "department": str(kpi.department.pk),
                "fiscal_year": "2563",
                "aggregation": "latest",
                "direction": "higher",
            }
        )
        assert admin_client.post(url, data).status_code == 302
        assert Indicator.objects.get(code="2100-7777").version == 1

    def test_a_revision_in_the_admin_never_reaches_into_a_locked_quarter(
        self, admin_client, kpi
    ):
        # Locks bind admins too; here Q1 and Q2 are locked for every department.
        for quarter in (1, 2):
            QuarterLock.objects.create(fiscal_year=kpi.fiscal_year, quarter=quarter)
        assert admin_post(admin_client, kpi, target=3, reason="x").status_code == 302
        assert spans(kpi)[1][2] == date(2020, 4, 1)


@pytest.mark.django_db
@pytest.mark.usefixtures("today")
def test_the_admin_asks_for_the_reason_in_english_too(admin_client, kpi, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = admin_client.get(admin_url(Indicator, "change", kpi.pk)).content.decode()
    assert "Reason for changing the target" in page
    response = admin_post(admin_client, kpi, target=3)
    errors = response.context["adminform"].form.errors
    assert "give the reason for changing the target" in errors["reason"][0]
    assert Indicator.objects.get(pk=kpi.pk).target == D(1)
