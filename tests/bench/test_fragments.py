"""Signed-in pages with their shared part cached (projects.cache.fragment_page).

The part is cached per audience (role, the department's own view, edit rights) and
is stale the instant anyone writes: each test writes through the forms and services
and reads the page again.
"""

import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.cache import fragment_page
from tests.factories import (
    IndicatorFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

# A signed-in person, as far as fragment_page asks (anonymous visitors are left to
# public_page).
SIGNED_IN = SimpleNamespace(is_authenticated=True)
LOCAL_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
    }
}


@pytest.fixture
def shared_cache(settings):
    settings.CACHES = LOCAL_CACHE
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def project():
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)
    ProgressUpdateFactory(
        project=project, report_date=date(2020, 1, 15), percent=Decimal(30)
    )
    return project


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(client: Client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.mark.django_db
def test_the_second_request_of_an_audience_reads_the_cached_part(shared_cache, project):
    staff = UserFactory(role="staff")
    project.department.members.add(staff)
    colleague = UserFactory(role="staff", first_name="เพื่อนร่วมงาน")
    project.department.members.add(colleague)
    url = project.get_absolute_url()
    first, first_queries = get(signed_in(staff), url)
    second, second_queries = get(signed_in(colleague), url)
    assert second_queries < first_queries
    # The shared part is the same; the page around it is the person's own.
    part = first[first.index("<!--fragment-->") : first.index("<!--/fragment-->")]
    assert part in second
    assert "เพื่อนร่วมงาน" in second and "เพื่อนร่วมงาน" not in first
    assert reverse("projects:update-create", args=[project.code]) in second


@pytest.mark.django_db
def test_each_audience_gets_its_own_part(shared_cache, project):
    staff = UserFactory(role="staff")
    project.department.members.add(staff)
    outsider = UserFactory(role="staff")
    evaluator = UserFactory(role="evaluator")
    url = project.get_absolute_url()
    edit = reverse("projects:edit", args=[project.code])
    evaluate = reverse("projects:evaluate", args=[project.code, 1])
    for _ in range(2):  # the second round is served from the cache
        staff_page, _queries = get(signed_in(staff), url)
        outsider_page, _queries = get(signed_in(outsider), url)
        evaluator_page, _queries = get(signed_in(evaluator), url)
        assert edit in staff_page and evaluate not in staff_page
        assert edit not in outsider_page and evaluate not in outsider_page
        assert evaluate in evaluator_page and edit not in evaluator_page


@pytest.mark.django_db
def test_a_report_is_on_every_page_the_instant_it_is_approved(
    shared_cache, project, django_capture_on_commit_callbacks
):
    staff = UserFactory(role="staff")
    project.department.members.add(staff)
    evaluator = UserFactory(role="evaluator")
    outsider = UserFactory(role="staff")
    indicator = IndicatorFactory(department=project.department, fiscal_year=2563)
    indicator.projects.add(project)
    pages = [
        project.get_absolute_url(),
        f"{project.department.get_absolute_url()}?fy=2563",
        f"{reverse('projects:list')}?fy=2563&department={project.department.code}",
        f"{reverse('projects:overview')}?fy=2563",
        indicator.get_absolute_url(),
    ]
    readers = [signed_in(outsider), signed_in(evaluator)]
    for url in pages:
        for reader in readers:
            html, _queries = get(reader, url)
            assert "30.00" in html and "75.00" not in html, url
    staff_client = signed_in(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("projects:update-create", args=[project.code]),
            {
                "report_date": "1/9/2563",
                "percent": "75",
                "done": "ส่งมอบงานแล้ว",
                "confirm": "on",
            },
        )
    assert response.status_code == 302
    # Sent, not yet approved: the department sees it pending at once, with the
    # saved message; others still read the published figures.
    response = staff_client.get(project.get_absolute_url())
    html = response.content.decode()
    assert "ส่งมอบงานแล้ว" in html and 'data-testid="saved-message"' in html
    html, _queries = get(staff_client, project.get_absolute_url())
    assert "ส่งมอบงานแล้ว" in html and 'data-testid="saved-message"' not in html
    html, _queries = get(readers[0], project.get_absolute_url())
    assert "ส่งมอบงานแล้ว" not in html
    update = project.updates.get(percent=75)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(evaluator).post(
            reverse("projects:approve", args=[update.pk]), {"version": update.version}
        )
    for url in pages[:4]:
        for reader in readers:
            html, _queries = get(reader, url)
            assert "75.00" in html, url
    html, _queries = get(readers[0], project.get_absolute_url())
    assert "ส่งมอบงานแล้ว" in html


def part_of(html: str) -> str:
    return html[html.index("<!--fragment-->") : html.index("<!--/fragment-->")]


def fresh(client: Client, url: str) -> str:
    """The page rendered with no cache at all."""
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    ):
        return get(client, url)[0]


@pytest.mark.django_db
def test_every_cached_part_equals_a_fresh_render_before_and_after_a_write(
    shared_cache, project, django_capture_on_commit_callbacks
):
    evaluator = UserFactory(role="evaluator")
    staff = UserFactory(role="staff")
    project.department.members.add(staff)
    indicator = IndicatorFactory(department=project.department, fiscal_year=2563)
    indicator.projects.add(project)
    pages = [
        project.get_absolute_url(),
        f"{project.department.get_absolute_url()}?fy=2563",
        f"{reverse('projects:list')}?fy=2563",
        f"{reverse('projects:overview')}?fy=2563",
        f"{reverse('reports:dashboard')}?fy=2563",
        f"{reverse('reports:dashboard')}?fy=2563&department={project.department.code}",
        indicator.get_absolute_url(),
    ]
    readers = [signed_in(evaluator), signed_in(staff)]

    def check() -> None:
        for url in pages:
            for reader in readers:
                get(reader, url)
                cached_html, _queries = get(reader, url)
                assert part_of(cached_html) == part_of(fresh(reader, url)), url

    check()
    update = project.updates.get()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(staff).post(
            reverse("projects:update-edit", args=[project.code, update.pk]),
            {
                "report_date": "15/1/2563",
                "percent": "45",
                "done": "แก้ไขรายงาน",
                "version": update.version,
                "confirm": "on",
            },
        )
    update.refresh_from_db()
    assert update.percent == 45
    check()


def test_the_form_token_in_a_cached_part_is_each_visitors_own(settings):
    settings.CACHES = LOCAL_CACHE
    cache.clear()
    factory = RequestFactory()

    def page(request):
        token = get_token(request)
        html = (
            f'<p>{token}</p><!--fragment--><input name="csrfmiddlewaretoken" '
            f'value="{token}"><!--/fragment-->'
        )
        return HttpResponse(html)

    requests = [factory.get("/"), factory.get("/")]
    for request in requests:
        request.user = SIGNED_IN
        request._messages = CookieStorage(request)
    first = fragment_page(
        requests[0],
        "token-test",
        (),
        full=lambda: page(requests[0]),
        thin=lambda fragment: HttpResponse("thin " + fragment),
    )
    second = fragment_page(
        requests[1],
        "token-test",
        (),
        full=lambda: page(requests[1]),
        thin=lambda fragment: HttpResponse("thin " + fragment),
    )
    html = second.content.decode()
    assert html.startswith("thin ")
    token = re.search(r'value="([^"]*)"', html).group(1)
    first_token = re.search(r'value="([^"]*)"', first.content.decode()).group(1)
    assert len(token) == 64 and token != first_token
    # The token sent is the second visitor's: issued for its secret, not the first's.
    assert requests[1].META["CSRF_COOKIE"] != requests[0].META["CSRF_COOKIE"]
    assert "CSRF_COOKIE_NEEDS_UPDATE" in requests[1].META or requests[1].META.get(
        "CSRF_COOKIE"
    )
    cache.clear()


def test_a_request_with_messages_is_rendered_whole(settings):
    settings.CACHES = LOCAL_CACHE
    cache.clear()
    factory = RequestFactory()
    rendered = []

    def full(request):
        rendered.append(1)
        return HttpResponse("<!--fragment-->part<!--/fragment-->")

    for with_message in (False, True, False):
        request = factory.get("/")
        request.user = SIGNED_IN
        request._messages = CookieStorage(request)
        if with_message:
            messages.success(request, "saved")
        fragment_page(
            request,
            "messages-test",
            (),
            full=lambda request=request: full(request),
            thin=lambda fragment: HttpResponse(fragment),
        )
    # Rendered the first time, and with a message; the third from the cache.
    assert len(rendered) == 2
    cache.clear()


# Scoped versions: a write makes stale only what shows what it changed.


@pytest.fixture
def city(db):
    """Two departments of FY 2563: A with projects a1 and a2 and a KPI linked to
    a1, B with project b1 and a KPI linked to b1; each project reported once."""
    from tests.factories import DepartmentFactory

    departments = {name: DepartmentFactory() for name in ("A", "B")}
    projects = {}
    for name, department in (("a1", "A"), ("a2", "A"), ("b1", "B")):
        project = ProjectFactory(fiscal_year=2563, department=departments[department])
        PlanStepFactory(project=project)
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 1, 15), percent=Decimal(30)
        )
        projects[name] = project
    indicators = {}
    for name, project in (("A", "a1"), ("B", "b1")):
        indicator = IndicatorFactory(department=departments[name], fiscal_year=2563)
        indicator.projects.add(projects[project])
        indicators[name] = indicator
    staff = UserFactory(role="staff")
    departments["A"].members.add(staff)
    return SimpleNamespace(
        departments=departments,
        projects=projects,
        indicators=indicators,
        staff=staff,
        evaluator=UserFactory(role="evaluator"),
    )


def city_pages(city) -> dict[str, str]:
    list_url = reverse("projects:list")
    pages = {
        name: project.get_absolute_url() for name, project in city.projects.items()
    }
    for name, department in city.departments.items():
        pages[f"department {name}"] = f"{department.get_absolute_url()}?fy=2563"
        pages[f"list {name}"] = f"{list_url}?fy=2563&department={department.code}"
        pages[f"KPI {name}"] = city.indicators[name].get_absolute_url()
    pages["list"] = f"{list_url}?fy=2563"
    pages["overview"] = f"{reverse('projects:overview')}?fy=2563"
    pages["dashboard"] = f"{reverse('reports:dashboard')}?fy=2563"
    return pages


def warm_queries(client: Client, pages: dict[str, str]) -> dict[str, int]:
    """Each page read twice: the queries of the second, served from the cache."""
    counts = {}
    for name, url in pages.items():
        get(client, url)
        counts[name] = get(client, url)[1]
    return counts


@pytest.mark.django_db
def test_a_report_on_one_project_rebuilds_only_the_pages_that_show_it(
    shared_cache, city, django_capture_on_commit_callbacks
):
    from projects import services

    pages = city_pages(city)
    reader = signed_in(city.evaluator)
    warm = warm_queries(reader, pages)
    project = city.projects["a1"]
    with django_capture_on_commit_callbacks(execute=True):
        update = services.save_update(
            project=project,
            user=city.staff,
            values={
                "report_date": date(2020, 2, 15),
                "percent": Decimal(70),
                "done": "รายงานเดือนกุมภาพันธ์",
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_update(
            update=update, user=city.evaluator, version=update.version
        )
    rebuilt = {
        "a1",
        "department A",
        "list A",
        "KPI A",  # shows a1's progress
        "list",
        "overview",
        "dashboard",
    }
    for name, url in pages.items():
        html, queries = get(reader, url)
        if name in rebuilt:
            assert queries > warm[name], name
        else:
            # Still served from the cache: the write did not touch it.
            assert queries == warm[name], name
        assert part_of(html) == part_of(fresh(reader, url)), name
    assert "70.00" in get(reader, pages["a1"])[0]


@pytest.mark.django_db
def test_a_kpi_result_rebuilds_the_kpi_its_department_and_linked_projects(
    shared_cache, city, django_capture_on_commit_callbacks, settings
):
    from indicators import services

    settings.APPROVAL_REQUIRED = False
    pages = city_pages(city)
    reader = signed_in(city.evaluator)
    warm = warm_queries(reader, pages)
    with django_capture_on_commit_callbacks(execute=True):
        services.save_result(
            indicator=city.indicators["A"],
            quarter=1,
            user=city.staff,
            values={"value": Decimal(4321), "report": "ผลไตรมาสแรก"},
        )
    rebuilt = {"a1", "department A", "list A", "KPI A", "list"}
    rebuilt |= {"overview", "dashboard"}
    for name, url in pages.items():
        html, queries = get(reader, url)
        assert (queries > warm[name]) == (name in rebuilt), name
        assert part_of(html) == part_of(fresh(reader, url)), name
    assert "4,321" in get(reader, pages["KPI A"])[0]


def write_report(city) -> None:
    signed_in(city.staff).post(
        reverse("projects:update-create", args=[city.projects["a1"].code]),
        {
            "report_date": "15/2/2563",
            "percent": "65",
            "done": "ผ่านแบบฟอร์ม",
            "confirm": "on",
        },
    )
    assert city.projects["a1"].updates.filter(percent=65).exists()


def write_project_score(city) -> None:
    from projects import evaluations

    evaluations.score_project(
        project=city.projects["a1"],
        quarter=1,
        user=city.evaluator,
        score=Decimal(87),
        comment="ดีมาก",
    )


def write_kpi_score(city) -> None:
    from indicators.models import EvaluationCriterion
    from projects import evaluations
    from projects.cache import bump_data_version

    # A new criterion adds a column to every KPI table of the year: as the admin
    # does, its write makes the whole portal stale.
    criterion = EvaluationCriterion.objects.create(
        fiscal_year=2563, code="2.1", name_th="คุณภาพ", name_en="Quality"
    )
    bump_data_version()
    evaluations.score_indicator(
        indicator=city.indicators["A"],
        quarter=1,
        user=city.evaluator,
        scores={criterion: Decimal(91)},
    )


def write_plan(city) -> None:
    from projects import services

    project = city.projects["a1"]
    step = project.steps.get()
    services.save_plan(
        project=project,
        user=city.staff,
        steps=[
            services.StepValues(
                pk=step.pk,
                description="ขั้นตอนที่แก้ไข",
                weight=Decimal(100),
                planned_start=date(2019, 10, 1),
                planned_end=date(2020, 3, 31),
            )
        ],
        version=project.plan_version,
        reason="แก้แผน",
        today=date(2020, 2, 1),
    )


def write_admin_update(city) -> None:
    from django.contrib.admin.sites import site
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.com")
    client = Client()
    client.force_login(admin)
    update = city.projects["a1"].updates.get()
    assert site.is_registered(type(update))
    department = city.departments["A"]
    response = client.post(
        f"/admin/projects/department/{department.pk}/change/",
        {
            "code": department.code,
            "name_th": "สำนักที่เปลี่ยนชื่อ",
            "name_en": department.name_en,
            "short_name": "ส.ใหม่",
            "kind": department.kind,
            "parent": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]


def write_api(city) -> None:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from api import services as token_services

    admin = get_user_model().objects.create_superuser("api-admin", "a@example.com")
    _token, secret = token_services.issue_token(
        name="ระบบงานของสำนัก", departments=[city.departments["A"]], by=admin
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post(
        "/api/v1/progress-updates/",
        {
            "project": city.projects["a1"].code,
            "report_date": "2020-02-20",
            "percent": 66,
            "done": "ผ่าน API",
            "problems": "",
        },
        format="json",
    )
    assert response.status_code == 201, response.content


def write_lock(city) -> None:
    from projects import evaluations

    evaluations.lock_quarter(
        fiscal_year=2563, quarter=1, department=None, user=city.evaluator
    )


@pytest.mark.parametrize(
    "write",
    [
        write_report,
        write_project_score,
        write_kpi_score,
        write_plan,
        write_admin_update,
        write_api,
        write_lock,
    ],
    ids=lambda write: write.__name__.removeprefix("write_"),
)
@pytest.mark.django_db
def test_after_a_write_on_each_path_every_cached_part_equals_a_fresh_render(
    shared_cache, city, django_capture_on_commit_callbacks, settings, write
):
    settings.APPROVAL_REQUIRED = False
    pages = city_pages(city)
    readers = [signed_in(city.evaluator), signed_in(city.staff)]
    before = {}
    for reader in readers:
        warm_queries(reader, pages)
        before[reader] = {name: get(reader, url)[0] for name, url in pages.items()}
    with django_capture_on_commit_callbacks(execute=True):
        write(city)
    changed = 0
    for reader in readers:
        for name, url in pages.items():
            html, _queries = get(reader, url)
            assert part_of(html) == part_of(fresh(reader, url)), name
            changed += part_of(html) != part_of(before[reader][name])
    # The write changed what some page shows (else this test proves nothing).
    assert changed


@pytest.mark.django_db
def test_my_work_is_cached_per_person_and_follows_their_departments(
    shared_cache, city, django_capture_on_commit_callbacks, settings, monkeypatch
):
    from projects import services

    # My work lists the current fiscal year's projects: a day of FY 2563.
    monkeypatch.setattr(
        "django.utils.timezone.localdate", lambda *args, **kwargs: date(2020, 3, 1)
    )
    settings.APPROVAL_REQUIRED = False
    url = reverse("projects:my-work")
    colleague = UserFactory(role="staff")
    city.departments["A"].members.add(colleague)
    outsider = UserFactory(role="staff")
    city.departments["B"].members.add(outsider)
    readers = {
        "staff": signed_in(city.staff),
        "colleague": signed_in(colleague),
        "outsider": signed_in(outsider),
        "evaluator": signed_in(city.evaluator),
    }
    warm = {
        name: warm_queries(client, {"my": url})["my"]
        for name, client in readers.items()
    }
    # Each person's own part: the staff member's names their own department.
    assert city.projects["a1"].code in get(readers["staff"], url)[0]
    assert city.projects["a1"].code not in get(readers["outsider"], url)[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.save_update(
            project=city.projects["a1"],
            user=city.staff,
            values={
                "report_date": date(2020, 2, 15),
                "percent": Decimal(55),
                "done": "รายงานใหม่",
            },
        )
    for name, client in readers.items():
        html, queries = get(client, url)
        # Department A's people and the evaluator (who sees every department's
        # waiting reports) get theirs rebuilt; department B's keeps its part.
        assert (queries > warm[name]) == (name != "outsider"), name
        assert part_of(html) == part_of(fresh(client, url)), name
