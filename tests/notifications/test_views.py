"""The inbox, the bell, read marks and preferences: each person's own only."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import (
    Channel,
    EmailState,
    Kind,
    Notification,
    NotificationPreference,
)
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
INBOX = reverse("notifications:inbox")
WHEN = timezone.make_aware(datetime(2020, 1, 20, 8, 0))


def notify(user, project, month, *, read=False):
    year = 2019 if month >= 10 else 2020
    return Notification.objects.create(
        recipient=user,
        kind=Kind.OVERDUE,
        key=f"overdue:{project.pk}:{year}-{month:02d}",
        project=project,
        params={
            "code": project.code,
            "name": project.name_th,
            "name_en": project.name_en,
            "year": year,
            "month": month,
            "due": f"{year}-{month:02d}-25",
        },
        url=f"/projects/{project.code}/updates/new/",
        created_at=WHEN + timedelta(minutes=month),
        read_at=WHEN if read else None,
        email_state=EmailState.OFF,
    )


@pytest.fixture
def person(client):
    user = UserFactory(username="inbox-owner", role="staff")
    client.force_login(user)
    return user


def test_inbox_lists_own_notifications_newest_first_with_links(client, person):
    project = ProjectFactory()
    notify(person, project, 10, read=True)
    notify(person, project, 11)
    other = UserFactory(username="someone-else")
    notify(other, ProjectFactory(), 12)

    response = client.get(INBOX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-notification=") == 2
    assert html.index("พ.ย. 2562") < html.index("ต.ค. 2562")  # newest first
    assert f'href="/projects/{project.code}/updates/new/"' in html
    assert "ธ.ค. 2562" not in html  # another person's
    assert 'data-testid="unread-count">1' in html


def test_inbox_query_count_does_not_grow_with_rows(
    client, person, django_assert_num_queries
):
    project = ProjectFactory()
    notify(person, project, 10)
    # Session, user, profile (the menu), the page's count and rows (with their
    # projects), the fiscal years of the switch, the bell's count.
    with django_assert_num_queries(7):
        client.get(INBOX)
    for month in (11, 12, 1, 2, 3):
        notify(person, ProjectFactory(), month)
    with django_assert_num_queries(7):
        assert client.get(INBOX).status_code == 200


def test_unread_filter(client, person):
    project = ProjectFactory()
    notify(person, project, 10, read=True)
    notify(person, project, 11)
    html = client.get(INBOX, {"show": "unread"}).content.decode()
    assert html.count("data-notification=") == 1


def test_bell_shows_the_unread_count_on_other_pages(client, person):
    project = ProjectFactory()
    notify(person, project, 10)
    notify(person, project, 11)
    html = client.get(reverse("projects:list")).content.decode()
    assert 'data-testid="bell"' in html
    assert 'data-testid="unread-count">2' in html


def test_no_bell_for_anonymous_visitors(client):
    html = client.get(reverse("projects:list")).content.decode()
    assert 'data-testid="bell"' not in html


def test_inbox_needs_a_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_mark_read(client, person):
    item = notify(person, ProjectFactory(), 10)
    response = client.post(reverse("notifications:read", args=[item.pk]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.read_at is not None


def test_nobody_marks_another_persons_notification(client, person):
    item = notify(UserFactory(username="owner"), ProjectFactory(), 10)
    response = client.post(reverse("notifications:read", args=[item.pk]))
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_mark_read_is_post_only(client, person):
    item = notify(person, ProjectFactory(), 10)
    assert client.get(reverse("notifications:read", args=[item.pk])).status_code == 405
    item.refresh_from_db()
    assert item.read_at is None


def test_mark_read_needs_the_form_token(person):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(person)
    item = notify(person, ProjectFactory(), 10)
    assert strict.post(reverse("notifications:read", args=[item.pk])).status_code == 403


def test_mark_read_goes_back_only_to_this_site(client, person):
    item = notify(person, ProjectFactory(), 10)
    response = client.post(
        reverse("notifications:read", args=[item.pk]),
        {"next": "https://evil.example.com/"},
    )
    assert response["Location"] == INBOX


def test_mark_all_read_marks_only_ones_own(client, person):
    project = ProjectFactory()
    notify(person, project, 10)
    notify(person, project, 11)
    theirs = notify(UserFactory(username="owner"), project, 12)
    client.post(reverse("notifications:read-all"))
    assert not Notification.objects.filter(recipient=person, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_page_saves_a_choice_per_kind(client, person):
    url = reverse("notifications:preferences")
    html = client.get(url).content.decode()
    assert "ใกล้ถึงกำหนดส่งรายงานประจำเดือน" in html
    data = {kind.value: Channel.DIGEST for kind in Kind}
    data[Kind.RETURNED] = Channel.OFF
    response = client.post(url, data)
    assert response.status_code == 302
    stored = dict(
        NotificationPreference.objects.filter(user=person).values_list(
            "kind", "channel"
        )
    )
    assert stored[Kind.RETURNED] == Channel.OFF
    assert stored[Kind.SUBMITTED] == Channel.DIGEST


def test_preferences_refuse_a_bad_choice_and_save_nothing(client, person):
    url = reverse("notifications:preferences")
    data = {kind.value: Channel.DIGEST for kind in Kind}
    data[Kind.RETURNED] = "sms"
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'class="text-danger small"' in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_healthz_detail_shows_the_worker(client):
    body = client.get("/healthz", {"detail": "1"}).json()
    assert body["status"] == "ok"
    assert set(body["worker"]) >= {"last_run", "events_waiting", "emails_due"}
    assert "worker" not in client.get("/healthz").json()
