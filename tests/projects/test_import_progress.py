"""The confirmation of an import shows how far the writes have come, by the
same progress the preview's bar reads."""

import threading

import pytest
from django.urls import reverse

from projects import import_views, importing
from projects.models import Project
from tests.factories import DepartmentFactory, UserFactory
from tests.projects.test_import_plan import project_row, steps_for, xlsx_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def test_confirmation_reports_the_writes_to_the_progress_bar(client, monkeypatch):
    department = DepartmentFactory(code="21000000")
    client.force_login(UserFactory(role="evaluator"))
    codes = [f"21000000-{1000 + n}" for n in range(3)]
    file = xlsx_file(
        [project_row(code, department) for code in codes],
        [row for code in codes for row in steps_for(code)],
    )
    token = "c" * 32
    response = client.post(
        reverse("projects:import-plan"), {"file": file, "token": token}
    )
    # The confirmation form polls the progress, as the upload form does.
    assert (
        f'data-progress-url="{reverse("projects:import-progress", args=[token])}"'
        in response.content.decode()
    )
    seen = []
    commit_plan = importing.commit_plan

    def watched(preview, **kwargs):
        progress = kwargs["progress"]

        def recorded(stage, done):
            progress(stage, done)
            # Read as another request would, by another thread (its own
            # database connection): seen while the import's transaction is open.
            states = []
            reader = threading.Thread(
                target=lambda: states.append(import_views.progress_state(token))
            )
            reader.start()
            reader.join()
            seen.append(states[0])

        return commit_plan(preview, **{**kwargs, "progress": recorded})

    monkeypatch.setattr(importing, "commit_plan", watched)
    response = client.post(reverse("projects:import-confirm", args=[token]))
    assert response.status_code == 302
    assert Project.objects.count() == 3
    assert seen[0] == {"stage": "commit", "done": 0, "total": 3}
    assert seen[-1] == {"stage": "commit", "done": 3, "total": 3}
    # Done: the page has gone on, the progress is forgotten.
    state = client.get(reverse("projects:import-progress", args=[token])).json()
    assert state == {"stage": "", "done": 0}


def test_command_prints_the_writes_to_come():
    lines = []
    preview = importing.Preview("empty.xlsx")
    importing.commit_plan(
        preview,
        user=UserFactory(),
        progress=lambda stage, done: lines.append((stage, done)),
    )
    assert lines == [(importing.TO_WRITE, 0), (importing.COMMIT, 0)]
