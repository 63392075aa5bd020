"""Open data: the page, and each year's archive checked against its dictionary."""

import csv
import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from api import opendata
from projects import approval
from projects.cache import bump_data_version
from tests.factories import (
    CriterionScoreFactory,
    IndicatorEvaluationFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def year_data(project, published, draft, indicator, result):
    ProjectEvaluationFactory(project=project, quarter=2, score=Decimal(80))
    CriterionScoreFactory(evaluation=IndicatorEvaluationFactory(indicator=indicator))
    return project


def download(client, year=2563) -> zipfile.ZipFile:
    response = client.get(f"/open-data/{year}.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def read_csv(archive, name) -> list[list[str]]:
    text = archive.read(name).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_page_lists_years(client, year_data):
    response = client.get("/open-data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/open-data/2563.zip" in html
    assert "progress_updates.csv" in html


def test_every_page_footer_leads_to_open_data_and_the_api_docs(client, year_data):
    for url in ("/", "/projects/", "/reports/"):
        html = client.get(url).content.decode()
        footer = html[html.index("<footer") :]
        assert '<a href="/open-data/">ข้อมูลเปิด</a>' in footer
        assert '<a href="/api/docs/">API สำหรับนักพัฒนา</a>' in footer
    assert client.get("/api/docs/").status_code == 200


def test_archive_matches_its_dictionary(client, year_data):
    archive = download(client)
    dictionary = json.loads(archive.read("data-dictionary.json"))
    assert [t["table"] for t in dictionary] == [t.name for t in opendata.TABLES]
    for table in dictionary:
        rows = read_csv(archive, f"{table['table']}.csv")
        assert rows[0] == [column["column"] for column in table["columns"]]
        assert all(len(row) == len(rows[0]) for row in rows)
        for column in table["columns"]:
            assert column["th"] and column["en"]
        records = json.loads(archive.read(f"{table['table']}.json"))
        assert len(records) == len(rows) - 1
        fields = [
            f.name
            for t in opendata.TABLES
            if t.name == table["table"]
            for f in t.fields
        ]
        assert all(list(record) == fields for record in records)
    listed = read_csv(archive, "data-dictionary.csv")
    assert len(listed) - 1 == sum(len(t["columns"]) for t in dictionary)
    catalogue = json.loads(archive.read("catalog.jsonld"))
    assert catalogue["@type"] == "dcat:Dataset"
    assert catalogue["ckan"]["name"] == "bma-project-progress-2563"
    named = {d["dcat:downloadURL"] for d in catalogue["dcat:distribution"]}
    assert named <= set(archive.namelist())


def test_archive_holds_public_data_only(client, year_data, project):
    archive = download(client)
    updates = json.loads(archive.read("progress_updates.json"))
    assert [(u["report_date"], u["percent"]) for u in updates] == [("2020-03-15", 40.0)]
    (row,) = json.loads(archive.read("projects.json"))
    assert row["code"] == project.code
    assert row["actual_percent"] == 40.0
    assert row["report_overdue"] == "true"
    results = json.loads(archive.read("indicator_results.json"))
    assert [(r["quarter"], r["value"]) for r in results] == [(1, 20.0)]
    evaluations = json.loads(archive.read("project_evaluations.json"))
    assert [(e["quarter"], e["score"]) for e in evaluations] == [(2, 80.0)]
    rows = read_csv(archive, "progress_updates.csv")
    assert rows[1][0] == project.code
    assert "2563" in rows[1][1]  # the date as people read it, BE
    assert rows[1][2] == "2020-03-15"


def test_unknown_year_is_404(client, year_data):
    assert client.get("/open-data/2400.zip").status_code == 404


def test_public_read_off_needs_a_login(client, settings, year_data):
    settings.PUBLIC_READ = False
    assert client.get("/open-data/2563.zip").status_code == 302


def test_archive_is_rebuilt_only_when_data_changes(
    client, year_data, locmem_cache, monkeypatch, django_capture_on_commit_callbacks
):
    built = []
    real = opendata.write_archive
    monkeypatch.setattr(
        opendata, "write_archive", lambda *a: (built.append(a), real(*a))[1]
    )
    download(client)
    download(client)
    assert len(built) == 1
    with django_capture_on_commit_callbacks(execute=True):
        bump_data_version()
        ProgressUpdateFactory(
            project=year_data, report_date=date(2020, 6, 1), percent=Decimal(60)
        )
    archive = download(client)
    assert len(built) == 2
    dates = [
        u["report_date"] for u in json.loads(archive.read("progress_updates.json"))
    ]
    assert dates == ["2020-03-15", "2020-06-01"]


def test_draft_stays_out_even_for_staff(client, staff, year_data):
    client.force_login(staff)
    archive = download(client)
    statuses = {
        u["report_date"] for u in json.loads(archive.read("progress_updates.json"))
    }
    assert "2020-05-15" not in statuses
    assert approval.State.DRAFT
