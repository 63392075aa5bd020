"""Backups carry the evidence files: a round trip through backup and restore."""

import pytest
from django.core.files.storage import storages
from django.core.management import call_command

from evidence.models import Attachment
from projects import backups
from tests.evidence import samples
from tests.evidence.helpers import attach, read, report

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_and_restore_bring_back_the_files(
    client, tmp_path, capsys, evidence_storage
):
    update = report()
    photo = attach(update, public=True)
    document = attach(update, data=samples.pdf(), name="บันทึก.pdf", public=True)
    originals = {
        name: (evidence_storage / name).read_bytes()
        for name in (photo.file.name, photo.thumbnail.name, document.file.name)
    }
    call_command("backup", output_dir=tmp_path / "backups")
    (path,) = [
        found
        for found in (tmp_path / "backups").iterdir()
        if not found.name.endswith(backups.FILES_SUFFIX)
    ]
    tar = backups.files_path(path)
    assert tar.stat().st_mode & 0o777 == 0o600
    # Lose the files and the rows.
    for name in originals:
        storages["evidence"].delete(name)
    Attachment.objects.all().delete()
    call_command("restore", str(path), interactive=False)
    assert "Restored 3 files" in capsys.readouterr().out
    assert Attachment.objects.count() == 2
    for name, data in originals.items():
        assert (evidence_storage / name).read_bytes() == data
    response = client.get(photo.get_absolute_url())
    assert read(response) == originals[photo.file.name]


def test_restore_refuses_a_tar_that_escapes_the_storage(tmp_path):
    import io
    import tarfile

    path = tmp_path / "x.sqlite3"
    with tarfile.open(backups.files_path(path), "w") as archive:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(backups.BackupError, match="refusing"):
        backups.restore_files(path, storages["evidence"], log=print)
    assert not (tmp_path / "outside.txt").exists()
