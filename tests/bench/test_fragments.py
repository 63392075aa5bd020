"""Signed-in pages with their shared part cached (projects.cache.fragment_page).

The part is cached per audience (role, the department's own view, edit rights) and
is stale the instant anyone writes: each test writes through the forms and services
and reads the page again.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    IndicatorFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

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


@pytest.mark.django_db
def test_a_page_with_a_form_token_gives_each_visitor_their_own(shared_cache, project):
    first, second = UserFactory(role="evaluator"), UserFactory(role="evaluator")
    url = f"{reverse('projects:overview')}?fy=2563"
    pages = [get(signed_in(user), url)[0] for user in (first, second)]
    tokens = [
        set(
            part.split('"')[0]
            for part in page.split('name="csrfmiddlewaretoken" value="')[1:]
        )
        for page in pages
    ]
    assert "\x00" not in pages[1]
    assert not tokens[0] & tokens[1] or not tokens[0]
