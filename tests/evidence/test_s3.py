"""Evidence on an S3-compatible store: moto's server, started by the test run,
behind django-storages, as MinIO or AWS would be in production."""

import socket

import pytest
from django.urls import reverse

from tests.evidence.helpers import attach, image_of, read, report
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BUCKET = "portal-evidence"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server in a thread, for this module's tests only: stopped at its
    end, so no server thread runs beside the rest of the suite."""
    try:
        import boto3  # noqa: F401
        from moto.server import ThreadedMotoServer
    except ImportError:
        pytest.skip("moto[server] is not installed: pip install 'moto[server]'")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except OSError as error:
        pytest.skip(f"moto's S3 server did not start: {error}")
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint):
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "location": "evidence",
                "default_acl": "private",
                "file_overwrite": False,
                "addressing_style": "path",
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])


def test_files_are_stored_in_the_bucket_and_served_by_the_view(client, s3):
    update = report()
    attachment = attach(update, public=True)
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {
        f"evidence/{attachment.file.name}",
        f"evidence/{attachment.thumbnail.name}",
    }
    grants = s3.get_object_acl(Bucket=BUCKET, Key=f"evidence/{attachment.file.name}")
    assert not any(
        "AllUsers" in grant["Grantee"].get("URI", "") for grant in grants["Grants"]
    )
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert not image_of(response).getexif()
    thumb = client.get(reverse("evidence:thumbnail", args=[attachment.pk]))
    assert read(thumb)[:2] == b"\xff\xd8"


def test_internal_file_on_s3_is_refused_to_outsiders(client, s3):
    attachment = attach(report())
    client.force_login(UserFactory(role="staff"))
    assert client.get(attachment.get_absolute_url()).status_code == 404
