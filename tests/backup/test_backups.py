"""Backups a district can trust: the operator runs `manage.py backup` every night; after a
disaster (the database and the data folders gone) `manage.py restore` brings back every power,
revision, case with its log, evaluation and file, byte for byte. A set that is incomplete or
damaged is refused and nothing is changed.

On whichever database the suite runs (SQLite, PostgreSQL with pg_dump and pg_restore): the
backups, the media, the case files and the imports all live in the test's own folder. A restore
replaces the whole database, so these tests are transactional (pytest-django empties the
database after each) and load the base data themselves."""

import io
import os
import shutil
import subprocess
import tempfile

import pytest
from dbbackup import settings as dbbackup_settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Revision, TaskState, WorkflowState

from access.posts import posts_assign
from backup import services
from cases.models import Case, CaseEvent, CaseMaterial, CaseStep
from cases.services import Actor, case_accept
from catalogue.models import PowerPage
from feedback.models import Feedback
from import_data.models import ImportJob
from tests.factories import (
    department_editor,
    load_base_data,
    make_user,
    publish_power,
    road_transport_licence,
    submit_change,
)

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
APPLICANT = {"applicant_type": "person", "applicant_name": "欧阳娜娜",
             "applicant_id_type": "id_card", "applicant_id_no": "11010519491231002X",
             "contact_phone": "13912345678", "address": "成华区建设北路二段4号"}  # fmt: skip
# What the restore must bring back, row for row.
MODELS = [PowerPage, Revision, WorkflowState, TaskState, Case, CaseStep, CaseEvent, CaseMaterial,
          Feedback, get_image_model(), get_document_model(), ImportJob]  # fmt: skip
PARTS = ("media", "case-files", "imports")

if connection.vendor == "postgresql" and not all(
    shutil.which(tool) for tool in ("pg_dump", "pg_restore")
):
    pytest.skip(
        "本机没有 PostgreSQL 客户端（pg_dump、pg_restore）：apt-get install postgresql-client",
        allow_module_level=True,
    )


@pytest.fixture
def base_data(transactional_db):
    load_base_data()


@pytest.fixture
def places(tmp_path, settings, monkeypatch):
    """The backups, the media, the case files and the imports, in the test's own folder."""
    folders = {name: tmp_path / name for name in ("backups", *PARTS)}
    settings.MEDIA_ROOT = folders["media"]
    settings.CASE_FILES_ROOT = str(folders["case-files"])
    settings.IMPORT_ROOT = str(folders["imports"])
    # django-dbbackup reads its settings once, when it is first imported.
    location = {**dbbackup_settings.STORAGE_OPTIONS, "location": str(folders["backups"])}
    monkeypatch.setattr(dbbackup_settings, "STORAGE_OPTIONS", location)
    # The storages of these file fields were made when the models loaded.
    case_files = FileSystemStorage(location=folders["case-files"], base_url=None)
    monkeypatch.setattr(CaseMaterial._meta.get_field("file"), "storage", case_files)
    imports = FileSystemStorage(location=folders["imports"])
    for name in ("file", "flowcharts"):
        monkeypatch.setattr(ImportJob._meta.get_field(name), "storage", imports)
    return folders


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def files(places) -> dict:
    """Every file of the three folders, with its bytes."""
    return {
        part: {
            str(path.relative_to(places[part])): path.read_bytes()
            for path in sorted(places[part].rglob("*"))
            if path.is_file()
        }
        for part in PARTS
    }


def drop_every_table():
    """The disaster: an empty database, without a single table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = connection.introspection.table_names(cursor)
            quoted = ", ".join(connection.ops.quote_name(name) for name in names)
            cursor.execute(f"DROP TABLE {quoted} CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            # Full-text tables first: their shadow tables go with them.
            find = (
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence' "
                "ORDER BY sql LIKE 'CREATE VIRTUAL TABLE%' DESC LIMIT 1"
            )
            while row := cursor.execute(find).fetchone():
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(row[0])}")
            cursor.execute("PRAGMA foreign_keys = ON")
    assert connection.introspection.table_names() == []


def a_catalogue_with_a_case_an_evaluation_and_files(client):
    """Two published powers, a change of one waiting for the legal office, a case applied for
    online with its material and accepted at the window, a citizen's evaluation, an image and a
    document in the media, an uploaded spreadsheet among the imports."""
    licence = publish_power(road_transport_licence(online_depth=4))
    passenger = publish_power(
        road_transport_licence(code="511A0142000000-511602000000-000-TEST-2-00",
                               title="道路旅客运输经营许可")
    )  # fmt: skip
    editor = department_editor("TRANSPORT")
    submit_change(passenger, editor, promised_time_limit=3, change_note="压缩承诺办结时限")

    material = SimpleUploadedFile("申请表.pdf", PDF, content_type="application/pdf")
    applied = client.post(f"/cases/apply/{licence.code}/", {**APPLICANT, "material-1": material})
    assert applied.status_code == 200 and "受理回执" in applied.content.decode()
    window = make_user("window")
    posts_assign(window, licence.get_parent().pk, ["窗口受理岗"])
    case_accept(Case.objects.get(), actor=Actor(user=window))

    evaluated = client.post(reverse("feedback_submit"), {
        "power": licence.code, "kind": "evaluation", "rating": "5", "comment": "窗口服务很耐心",
    }, REMOTE_ADDR="10.0.0.1")  # fmt: skip
    assert evaluated.status_code == 200

    get_image_model().objects.create(title="流程图附图", file=get_test_image_file())
    get_document_model().objects.create(
        title="办事指南", file=ContentFile(b"%PDF-1.4 guide", name="guide.pdf")
    )
    ImportJob.objects.create(user=make_user("content"), filename="交通局清单.xlsx",
                             file=ContentFile(b"PK\x03\x04 sheet", name="list.xlsx"))  # fmt: skip
    return licence


def test_a_backup_restores_every_power_revision_case_evaluation_and_file_into_an_empty_database(
    client, base_data, places
):
    licence = a_catalogue_with_a_case_an_evaluation_and_files(client)
    before, files_before = snapshot(), files(places)
    assert len(before["PowerPage"]) == 2 and len(before["Feedback"]) == 1
    assert [state["status"] for state in before["WorkflowState"]] == ["in_progress"]
    assert {event["kind"] for event in before["CaseEvent"]} >= {"submitted", "accepted"}
    assert before["CaseMaterial"][0]["size"] == len(PDF)
    assert all(files_before[part] for part in PARTS)

    out = run("backup")
    assert "备份完成" in out and f"备份目录：{places['backups']}" in out
    for label in ("数据库", "媒体文件（图片与文档）：", "导入文件：", "清单："):
        assert label in out
    assert "（1 个文件，" in out.split("申请材料：")[1].splitlines()[0]
    (backup,) = services.backup_sets()
    assert backup.complete and len(backup.names) == 6  # 4 parts, the database's metadata, manifest
    assert all(oct(path.stat().st_mode)[-3:] == "600" for path in places["backups"].iterdir())

    # The disaster: no table left, no file left.
    drop_every_table()
    for part in PARTS:
        shutil.rmtree(places[part])

    out = run("restore", "--noinput")
    assert f"已恢复备份 {backup.stamp}" in out and "申请材料" in out

    assert snapshot() == before
    assert files(places) == files_before
    material = CaseMaterial.objects.get()
    assert material.file.read() == PDF
    assert client.get(licence.url).status_code == 200

    # Restoring again changes nothing.
    run("restore", "--noinput", "--timestamp", backup.stamp)
    assert snapshot() == before and files(places) == files_before


def usernames() -> list[str]:
    from django.contrib.auth import get_user_model

    return sorted(get_user_model().objects.values_list("username", flat=True))


def write_material(places, name: str, content: bytes = PDF):
    path = places["case-files"] / "cases" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def test_an_incomplete_set_is_refused_and_changes_nothing_the_last_complete_one_restores(places):
    make_user("before")
    write_material(places, "BJ1/1-申请表.pdf")
    first = services.backup_create().stamp
    make_user("after")
    write_material(places, "BJ2/2-申请表.pdf", b"%PDF-1.4 later")
    second = services.backup_create().stamp
    # The second set lost its applicants' materials (a disk error, a careless copy).
    (places["backups"] / f"disclosure-{second}-case-files.tar.gz").unlink()
    state = usernames(), files(places)

    listed = run("restore", "--list")
    assert f"{second}  不完整：缺少申请材料" in listed and f"{first}  完整" in listed
    with pytest.raises(CommandError) as refused:
        run("restore", "--noinput")
    message = str(refused.value)
    assert f"备份 {second} 不完整，拒绝恢复，没有做任何改动" in message
    assert "缺少申请材料" in message and f"manage.py restore --timestamp {first}" in message
    assert (usernames(), files(places)) == state

    out = run("restore", "--noinput", "--timestamp", first)
    assert f"已恢复备份 {first}" in out
    assert usernames() == ["before"]
    assert list(files(places)["case-files"]) == ["cases/BJ1/1-申请表.pdf"]


def test_damaged_unknown_and_unfinished_sets_are_refused_and_only_the_newest_are_kept(places):
    make_user("kept")
    stamps = [services.backup_create(keep=2).stamp for _ in range(3)]
    assert [backup.stamp for backup in services.backup_sets()] == stamps[:0:-1]  # oldest deleted
    assert not list(places["backups"].glob(f"disclosure-{stamps[0]}-*"))

    # A backup that stopped half-way: its files, no manifest.
    (places["backups"] / f"disclosure-{stamps[2]}-manifest.json").unlink()
    assert f"{stamps[2]}  不完整：缺少清单文件" in run("restore", "--list")
    with pytest.raises(CommandError, match=f"restore --timestamp {stamps[1]}"):
        run("restore", "--noinput")

    # A set of another kind of database.
    manifest = places["backups"] / f"disclosure-{stamps[1]}-manifest.json"
    original = manifest.read_text(encoding="utf-8")
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    vendor = f'"vendor": "{connection.vendor}"'
    manifest.write_text(original.replace(vendor, f'"vendor": "{other}"'), encoding="utf-8")
    with pytest.raises(CommandError, match="不能跨数据库恢复，没有做任何改动"):
        run("restore", "--noinput", "--timestamp", stamps[1])
    manifest.write_text(original, encoding="utf-8")

    # A file whose bytes changed but not its size.
    media = places["backups"] / f"disclosure-{stamps[1]}-media.tar.gz"
    damaged = bytearray(media.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    media.write_bytes(bytes(damaged))
    with pytest.raises(CommandError, match="校验值（SHA-256）不符：备份已损坏，拒绝恢复"):
        run("restore", "--noinput", "--timestamp", stamps[1])

    with pytest.raises(CommandError, match="没有时间为 2000-01-01-000000 的备份"):
        run("restore", "--noinput", "--timestamp", "2000-01-01-000000")
    assert usernames() == ["kept"]


def test_the_backup_folder_must_lie_outside_the_folders_it_keeps(places, monkeypatch):
    inside = {**dbbackup_settings.STORAGE_OPTIONS, "location": str(places["media"] / "backups")}
    monkeypatch.setattr(dbbackup_settings, "STORAGE_OPTIONS", inside)
    with pytest.raises(CommandError, match="请把 DJANGO_BACKUP_ROOT 设到数据目录之外"):
        run("backup")
    assert not (places["media"] / "backups").exists()


def keyring() -> str:
    """A keyring of its own, on a short path (gpg-agent's socket may be in it)."""
    return tempfile.mkdtemp(prefix="gpg-")


def keyring_remove(home: str) -> None:
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], check=False,  # noqa: S603, S607
                   env={**os.environ, "GNUPGHOME": home})  # fmt: skip
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def gpg_key(monkeypatch):
    """A GPG key without a passphrase; backups are encrypted for it."""
    gnupg = pytest.importorskip("gnupg")
    if not shutil.which("gpg"):
        pytest.skip("本机没有 gpg，无法测试加密的备份：apt-get install gnupg")
    home = keyring()
    monkeypatch.setenv("GNUPGHOME", home)
    gpg = gnupg.GPG(gnupghome=home)
    key = gpg.gen_key(gpg.gen_key_input(
        key_type="EDDSA", key_curve="ed25519", subkey_type="ECDH", subkey_curve="cv25519",
        name_real="District backups", name_email="backup@example.gov.cn", no_protection=True,
    ))  # fmt: skip
    assert key.fingerprint, key.stderr
    monkeypatch.setattr(dbbackup_settings, "GPG_RECIPIENT", key.fingerprint)
    yield key.fingerprint, home
    keyring_remove(home)


def test_an_encrypted_set_restores_only_where_the_private_key_is(places, gpg_key, monkeypatch):
    fingerprint, home = gpg_key
    make_user("before")
    write_material(places, "BJ1/1-申请表.pdf")
    out = run("backup")
    assert f"已用 GPG 密钥 {fingerprint} 加密" in out
    (backup,) = services.backup_sets()
    assert backup.encrypted_for == fingerprint
    for entry in backup.manifest["files"].values():
        if not entry["name"].endswith(".metadata"):
            stored = (places["backups"] / entry["name"]).read_bytes()
            assert entry["name"].endswith(".gpg") and PDF not in stored
            assert not stored.startswith(b"\x1f\x8b")  # not a gzip anyone can read
    make_user("after")
    shutil.rmtree(places["case-files"])

    # On a machine without the private key: refused, nothing changed.
    elsewhere = keyring()
    monkeypatch.setenv("GNUPGHOME", elsewhere)
    try:
        with pytest.raises(CommandError, match="无法解密.*没有做任何改动"):
            run("restore", "--noinput")
    finally:
        keyring_remove(elsewhere)
    assert usernames() == ["after", "before"] and not places["case-files"].exists()

    monkeypatch.setenv("GNUPGHOME", home)
    assert f"已恢复备份 {backup.stamp}" in run("restore", "--noinput")
    assert usernames() == ["before"]
    assert files(places)["case-files"] == {"cases/BJ1/1-申请表.pdf": PDF}
