"""A failed submit opens on an error summary; a saved report is confirmed in place."""

import pytest

from tests.projects.test_updates import (  # noqa: F401 (fixtures)
    _today,
    english,
    post_update,
    project,
    staff,
)

pytestmark = pytest.mark.django_db


def test_failed_report_lists_each_error_as_a_link_to_its_field(
    client,
    project,  # noqa: F811
    staff,  # noqa: F811
    english,  # noqa: F811
):
    client.force_login(staff)
    response = post_update(client, project, report_date="30/2/2563", percent="150")
    html = response.content.decode()
    assert "<title>(2 errors) Report progress" in html
    assert 'id="form-errors" tabindex="-1" data-error-summary' in html
    assert "There are 2 problems: nothing was saved" in html
    assert (
        '<a class="alert-link" href="#id_report_date">Report date: That day does not '
        "exist: Feb 2020 has 29 days, not 30.</a>"
    ) in html
    assert '<a class="alert-link" href="#id_percent">' in html


def test_a_valid_form_has_no_summary_and_a_plain_title(
    client,
    project,  # noqa: F811
    staff,  # noqa: F811
    english,  # noqa: F811
):
    client.force_login(staff)
    html = client.get(f"/projects/{project.code}/updates/new/").content.decode()
    assert "data-error-summary" not in html
    assert "<title>Report progress" in html


def test_saved_report_is_confirmed_beside_the_reports(
    client,
    project,  # noqa: F811
    staff,  # noqa: F811
    english,  # noqa: F811
):
    client.force_login(staff)
    response = post_update(client, project)
    assert response["Location"].endswith("#updates-heading")
    html = client.get(response["Location"]).content.decode()
    heading = html.index('id="updates-heading"')
    saved = html.index('data-testid="saved-message"')
    assert heading < saved
    assert html.count("The progress report was submitted") == 1
