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
