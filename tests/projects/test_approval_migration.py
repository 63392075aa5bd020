"""The approval migration keeps every report saved before it published, and says
so in each report's audit history."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("projects", "0009_profile_language")]
AFTER = [("projects", "0011_approve_existing_reports")]


@pytest.mark.django_db(transaction=True)
def test_existing_reports_are_approved_with_a_history_entry():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    department = apps.get_model("projects", "Department").objects.create(
        code="21000000", name_th="สยป."
    )
    project = apps.get_model("projects", "Project").objects.create(
        code="21000000-1",
        name_th="โครงการ",
        department=department,
        fiscal_year=2563,
        officer_name="ผู้รับผิดชอบ",
    )
    update = apps.get_model("projects", "ProgressUpdate").objects.create(
        project=project, report_date=date(2020, 1, 15), percent=30
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    migrated = apps.get_model("projects", "ProgressUpdate").objects.get(pk=update.pk)
    assert migrated.status == "approved"
    assert migrated.submitted_at is None  # counts as sent on its date
    assert migrated.reviewed_at is not None
    entry = (
        apps.get_model("projects", "HistoricalProgressUpdate")
        .objects.filter(id=update.pk)
        .latest("history_date")
    )
    assert entry.status == "approved"
    assert entry.history_change_reason.startswith(
        "Approved when approval was introduced"
    )
    # Back to the newest state for the rest of the suite.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
