"""Backups and restores, with django-dbbackup.

A backup is one *set* of files sharing one timestamp, in the backup storage
(`STORAGES["dbbackup"]`, the folder DJANGO_BACKUP_ROOT):

- the database: django-dbbackup's `dbbackup` (pg_dump's custom format, or SQLite's online
  backup), gzip, with its `.metadata` file naming the engine and the connector;
- MEDIA_ROOT (Wagtail's images and documents): django-dbbackup's `mediabackup`, a tar.gz;
- CASE_FILES_ROOT (applicants' materials) and IMPORT_ROOT (uploaded spreadsheets): tar.gz
  archives written beside them through the same storage (`mediabackup` knows only the media);
- last, a manifest with each file's name, size and SHA-256. A set without its manifest (a backup
  that stopped half-way) or whose files differ from it is incomplete and is never restored.

Every file is encrypted for a GPG key when DBBACKUP_GPG_RECIPIENT is set (django-dbbackup's
encryption). A restore first fetches, checks and decrypts the whole set into a private temporary
folder; only then does it replace the database (`dbrestore`) and the three folders (the media with
`mediarestore`), each folder left exactly as it was backed up.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from dbbackup import settings as dbbackup_settings
from dbbackup import utils as dbbackup_utils
from dbbackup.db.base import get_connector
from dbbackup.storage import get_storage
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from common import pagecache

PREFIX = "disclosure"
FORMAT = 1
STAMP_FORMAT = "%Y-%m-%d-%H%M%S"
# disclosure-2026-12-03-013000-database.sqlite3.gz, …-media.tar.gz, …-manifest.json
SET_FILE = re.compile(rf"^{PREFIX}-(?P<stamp>\d{{4}}-\d{{2}}-\d{{2}}-\d{{6}})-[a-z-]+\.")
# The parts of a set, in the order they are written and restored.
PARTS = {
    "database": "数据库",
    "media": "媒体文件（图片与文档）",
    "case-files": "申请材料",
    "imports": "导入文件",
}
FOLDER_SETTINGS = {"media": "MEDIA_ROOT", "case-files": "CASE_FILES_ROOT", "imports": "IMPORT_ROOT"}
VENDORS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Why a backup or a restore did not happen, in Chinese, for the operator."""


@dataclass
class Written:
    part: str
    name: str
    size: int
    sha256: str
    count: int | None = None  # files in the folder (not for the database)
    metadata: str = ""  # the database's .metadata file

    @property
    def label(self):
        return PARTS[self.part]


@dataclass
class Created:
    stamp: str
    location: str
    written: list[Written]
    manifest: str
    database: str  # SQLite, PostgreSQL
    encrypted_for: str
    kept: int
    removed: list[str]  # stamps of the older sets deleted


@dataclass
class BackupSet:
    stamp: str
    names: list[str]
    manifest: dict | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.manifest is not None and not self.problems

    @property
    def encrypted_for(self) -> str:
        return (self.manifest or {}).get("encrypted_for", "")

    @property
    def size(self) -> int:
        files = (self.manifest or {}).get("files", {})
        return sum(entry["size"] for entry in files.values())


@dataclass
class Prepared:
    """A set fetched, checked and decrypted into a private folder, ready to restore."""

    backup: BackupSet
    folder: Path
    paths: dict[str, Path]
    counts: dict[str, int]
    database: str  # what the restore replaces: the database's name

    def discard(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.discard()


@dataclass
class Restored:
    stamp: str
    database: str
    folders: dict[str, tuple[Path, int]]  # part: (folder, files)


# ---------------------------------------------------------------------------------------------
# Places and names
# ---------------------------------------------------------------------------------------------


def folders() -> dict[str, Path]:
    """The folders a set keeps, by part."""
    return {part: Path(getattr(settings, name)) for part, name in FOLDER_SETTINGS.items()}


def location(storage=None) -> str:
    """Where the sets are, for the operator."""
    storage = storage or get_storage()
    return str(getattr(storage.storage, "location", storage))


def _check_places(storage) -> None:
    """The backup folder lies outside the folders it keeps (a restore empties them), and none
    of those lies inside another."""
    places = {part: path.resolve() for part, path in folders().items()}
    target = getattr(storage.storage, "location", None)
    for part, path in places.items():
        name = f"{FOLDER_SETTINGS[part]}（{path}）"
        if path == Path(path.anchor):
            raise BackupError(f"{name} 是根目录，不能备份或恢复：请在设置里改为数据目录。")
        if target:
            backups = Path(target).resolve()
            if backups.is_relative_to(path) or path.is_relative_to(backups):
                raise BackupError(
                    f"备份目录 {backups} 与 {name} 互相包含：请把 DJANGO_BACKUP_ROOT 设到"
                    f"数据目录之外（最好是另一块磁盘）。"
                )
        for other, other_path in places.items():
            if other != part and path.is_relative_to(other_path):
                raise BackupError(
                    f"{name} 在 {FOLDER_SETTINGS[other]}（{other_path}）之内：三个数据目录"
                    f"必须互不包含。"
                )


def _name(stamp: str, part: str, extension: str) -> str:
    return f"{PREFIX}-{stamp}-{part}.{extension}"


def _stamp_of(name: str) -> str | None:
    match = SET_FILE.match(name)
    if match is None:
        return None
    try:
        time.strptime(match["stamp"], STAMP_FORMAT)
    except ValueError:
        return None
    return match["stamp"]


def _listing(storage) -> dict[str, list[str]]:
    """The names in the backup storage by set, ignoring anything else there."""
    sets: dict[str, list[str]] = {}
    for name in storage.list_directory():
        stamp = _stamp_of(name)
        if stamp:
            sets.setdefault(stamp, []).append(name)
    return sets


def _new_stamp(storage) -> str:
    """Now, in local time; a second later when a set of this second exists already."""
    while True:
        stamp = timezone.localtime().strftime(STAMP_FORMAT)
        if stamp not in _listing(storage):
            return stamp
        time.sleep(0.2)


def size_text(value: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if value >= factor:
            return f"{value / factor:.1f} {unit}"
    return f"{value} 字节"


def _vendor() -> str:
    return VENDORS.get(connections[DEFAULT_DB_ALIAS].vendor, connections[DEFAULT_DB_ALIAS].vendor)


def _count_files(path: Path) -> int:
    return sum(len(files) for _root, _dirs, files in os.walk(path)) if path.exists() else 0


# ---------------------------------------------------------------------------------------------
# Backup
# ---------------------------------------------------------------------------------------------


def _stored(storage, name: str) -> tuple[int, str]:
    """Size and SHA-256 of a file as it is in the storage."""
    digest, size = hashlib.sha256(), 0
    with storage.read_file(name) as stored:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _archive(storage, folder: Path, name: str, encrypt: bool) -> int:
    """A tar.gz of the folder's contents, encrypted when configured, written to the storage;
    the number of files in it."""
    archive = dbbackup_utils.create_spooled_temporary_file()
    count = 0
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        if folder.exists():
            for entry in sorted(folder.iterdir()):
                tar.add(entry, arcname=entry.name)
            count = _count_files(folder)
    if encrypt:
        archive, _encrypted_name = dbbackup_utils.encrypt_file(archive, name)
    archive.seek(0)
    storage.write_file(archive, name)
    archive.close()
    return count


def _delete_set(storage, stamp: str) -> None:
    for name in _listing(storage).get(stamp, []):
        storage.delete_file(name)


def backup_create(*, keep: int | None = None, verbose: bool = False) -> Created:
    """Write a new set; then keep the `keep` newest complete sets (BACKUP_KEEP) and delete the
    sets older than those. Raises BackupError; a set that could not be finished is deleted."""
    storage = get_storage()
    _check_places(storage)
    if target := getattr(storage.storage, "location", None):
        Path(target).mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = _new_stamp(storage)
    recipient = dbbackup_settings.GPG_RECIPIENT or ""
    encrypt = bool(recipient)
    gpg = ".gpg" if encrypt else ""
    quiet = not verbose
    connector = get_connector(DEFAULT_DB_ALIAS)
    written: list[Written] = []
    try:
        name = _name(stamp, "database", f"{connector.extension}.gz{gpg}")
        call_command("dbbackup", database=DEFAULT_DB_ALIAS, compress=True, encrypt=encrypt,
                     output_filename=name, quiet=quiet)  # fmt: skip
        size, sha256 = _stored(storage, name)
        written.append(Written("database", name, size, sha256, metadata=f"{name}.metadata"))

        folders()["media"].mkdir(parents=True, exist_ok=True)  # mediabackup lists it
        # mediabackup adds ".gpg" to the name it is given when it encrypts.
        call_command("mediabackup", compress=True, encrypt=encrypt,
                     output_filename=_name(stamp, "media", "tar.gz"), quiet=quiet)  # fmt: skip
        (name,) = [n for n in _listing(storage)[stamp] if n.startswith(f"{PREFIX}-{stamp}-media.")]
        media = folders()["media"]
        written.append(Written("media", name, *_stored(storage, name), count=_count_files(media)))

        for part in ("case-files", "imports"):
            name = _name(stamp, part, f"tar.gz{gpg}")
            count = _archive(storage, folders()[part], name, encrypt)
            written.append(Written(part, name, *_stored(storage, name), count=count))

        files = {}
        for entry in written:
            files[entry.part] = {"name": entry.name, "size": entry.size, "sha256": entry.sha256}
            if entry.count is not None:
                files[entry.part]["count"] = entry.count
            if entry.metadata:
                size, sha256 = _stored(storage, entry.metadata)
                files["database-metadata"] = {"name": entry.metadata, "size": size,
                                              "sha256": sha256}  # fmt: skip
        connection = connections[DEFAULT_DB_ALIAS]
        manifest = {
            "format": FORMAT,
            "stamp": stamp,
            "created_at": timezone.localtime().isoformat(),
            "database": {
                "vendor": connection.vendor,
                "engine": connection.settings_dict["ENGINE"],
                "connector": f"{type(connector).__module__}.{type(connector).__name__}",
            },
            "encrypted_for": recipient,
            "files": files,
        }
        manifest_name = _name(stamp, "manifest", "json")
        content = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        storage.write_file(ContentFile(content), manifest_name)
    except Exception as error:
        _delete_set(storage, stamp)
        raise BackupError(
            f"备份没有完成：{error}。这次写下的文件已删除，已有的备份不受影响。"
        ) from error

    keep = max(1, settings.BACKUP_KEEP if keep is None else keep)
    removed = _clean(storage, keep)
    return Created(stamp=stamp, location=location(storage), written=written,
                   manifest=manifest_name, database=_vendor(), encrypted_for=recipient,
                   kept=keep, removed=removed)  # fmt: skip


def _clean(storage, keep: int) -> list[str]:
    """Delete every set older than the `keep` newest complete ones (complete or not); a newer
    incomplete set may be a backup still running and stays."""
    sets = backup_sets(storage)
    complete = [backup.stamp for backup in sets if backup.complete]
    if len(complete) <= keep:
        return []
    oldest_kept = complete[keep - 1]
    removed = [backup.stamp for backup in sets if backup.stamp < oldest_kept]
    for stamp in removed:
        _delete_set(storage, stamp)
    return removed


# ---------------------------------------------------------------------------------------------
# The sets there are
# ---------------------------------------------------------------------------------------------


def _read_manifest(storage, stamp: str, names: list[str]) -> tuple[dict | None, list[str]]:
    name = _name(stamp, "manifest", "json")
    if name not in names:
        return None, [f"缺少清单文件 {name}（备份没有做完，可能中途失败或仍在进行）"]
    try:
        with storage.read_file(name) as stored:
            manifest = json.loads(stored.read().decode())
        usable = manifest["format"] == FORMAT and all(
            part in manifest["files"] for part in [*PARTS, "database-metadata"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        usable = False
    if not usable:
        return None, [f"清单文件 {name} 无法读取或不完整"]
    return manifest, []


def _check_files(storage, manifest: dict, names: list[str]) -> list[str]:
    """What is missing or of another size than the manifest says."""
    problems = []
    for part, entry in manifest["files"].items():
        label = PARTS.get(part, "数据库的说明文件")
        if entry["name"] not in names:
            problems.append(f"缺少{label}：{entry['name']}")
        elif storage.storage.size(entry["name"]) != entry["size"]:
            problems.append(f"{label}的文件 {entry['name']} 大小与清单不符（不完整或已损坏）")
    return problems


def backup_sets(storage=None) -> list[BackupSet]:
    """The sets in the backup storage, newest first, each checked against its manifest (names
    and sizes; `restore_prepare` also checks every byte)."""
    storage = storage or get_storage()
    result = []
    for stamp, names in sorted(_listing(storage).items(), reverse=True):
        manifest, problems = _read_manifest(storage, stamp, names)
        if manifest is not None:
            problems = _check_files(storage, manifest, names)
        result.append(BackupSet(stamp=stamp, names=sorted(names), manifest=manifest,
                                problems=problems))  # fmt: skip
    return result


def backup_set_choose(stamp: str | None = None) -> BackupSet:
    """The set to restore: the one of `stamp`, or the newest. Raises BackupError when there is
    none, or when it is incomplete (naming the newest complete one)."""
    storage = get_storage()
    sets = backup_sets(storage)
    if not sets:
        raise BackupError(f"备份目录 {location(storage)} 里没有任何备份：没有做任何改动。")
    chosen = sets[0] if stamp is None else next((s for s in sets if s.stamp == stamp), None)
    if chosen is None:
        listed = "、".join(s.stamp for s in sets[:5])
        raise BackupError(
            f"没有时间为 {stamp} 的备份（现有：{listed}…；manage.py restore --list 列出全部）："
            f"没有做任何改动。"
        )
    if not chosen.complete:
        raise BackupError(_incomplete(chosen, sets))
    return chosen


def _incomplete(chosen: BackupSet, sets: list[BackupSet]) -> str:
    newest = next((s.stamp for s in sets if s.complete), None)
    advice = (
        f"最近一套完整的备份是 {newest}：manage.py restore --timestamp {newest}"
        if newest
        else "备份目录里没有完整的备份"
    )
    return (
        f"备份 {chosen.stamp} 不完整，拒绝恢复，没有做任何改动：{'；'.join(chosen.problems)}。"
        f"{advice}。"
    )


# ---------------------------------------------------------------------------------------------
# Restore
# ---------------------------------------------------------------------------------------------


def _fetch(storage, entry: dict, folder: Path) -> Path:
    """The stored file copied into the private folder, its bytes checked against the manifest."""
    path = folder / entry["name"]
    digest = hashlib.sha256()
    with storage.read_file(entry["name"]) as stored, path.open("wb") as copy:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
            copy.write(chunk)
    if digest.hexdigest() != entry["sha256"]:
        raise BackupError(
            f"文件 {entry['name']} 与清单记录的校验值（SHA-256）不符：备份已损坏，拒绝恢复，"
            f"没有做任何改动。"
        )
    return path


def _decrypt(path: Path, passphrase: str | None) -> Path:
    import gnupg

    target = path.with_suffix("")  # without .gpg
    try:
        with path.open("rb") as encrypted:
            result = gnupg.GPG().decrypt_file(encrypted, passphrase=passphrase, output=str(target))
    except OSError as error:
        raise BackupError(f"无法运行 gpg 解密 {path.name}：{error}。没有做任何改动。") from error
    if not result.ok:
        raise BackupError(
            f"无法解密 {path.name}（{result.status or '没有可用的私钥'}）：这台机器需要有加密所用"
            f"密钥的私钥（gpg --import），私钥有口令时用 --passphrase-file 给出。没有做任何改动。"
        )
    path.unlink()
    return target


def _archive_files(path: Path, label: str) -> int:
    """Files in a tar.gz, reading it through (which checks it)."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            return sum(1 for member in tar if member.isfile())
    except (tarfile.TarError, OSError, EOFError) as error:
        message = f"{label}的归档 {path.name} 无法读取（{error}）：没有做任何改动。"
        raise BackupError(message) from error


def _database_readable(path: Path) -> None:
    try:
        with gzip.open(path, "rb") as dump:
            while dump.read(CHUNK):
                pass
    except (OSError, EOFError) as error:
        message = f"数据库备份 {path.name} 无法读取（{error}）：没有做任何改动。"
        raise BackupError(message) from error


def restore_prepare(backup: BackupSet, *, passphrase: str | None = None) -> Prepared:
    """Fetch the set into a private temporary folder, check every byte against the manifest,
    decrypt and read it through. Changes nothing; raises BackupError when anything is wrong."""
    storage = get_storage()
    _check_places(storage)
    manifest = backup.manifest
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if manifest["database"]["vendor"] != vendor:
        source = VENDORS.get(manifest["database"]["vendor"], manifest["database"]["vendor"])
        raise BackupError(
            f"备份 {backup.stamp} 是 {source} 数据库的，当前数据库是 {_vendor()}：不能跨数据库"
            f"恢复，没有做任何改动。"
        )
    folder = Path(tempfile.mkdtemp(prefix="disclosure-restore-", dir=dbbackup_settings.TMP_DIR))
    try:
        paths = {}
        for part, entry in manifest["files"].items():
            path = _fetch(storage, entry, folder)
            if path.suffix == ".gpg":
                path = _decrypt(path, passphrase)
            paths[part] = path
        # dbrestore reads the engine and the connector from the metadata beside the dump.
        paths["database-metadata"] = paths["database-metadata"].rename(
            f"{paths['database']}.metadata"
        )
        _database_readable(paths["database"])
        counts = {part: _archive_files(paths[part], PARTS[part]) for part in FOLDER_SETTINGS}
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Prepared(backup=backup, folder=folder, paths=paths, counts=counts,
                    database=str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]))  # fmt: skip


def _empty(folder: Path) -> None:
    """Remove the folder's contents; the folder itself stays (it may be a mount point)."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _extract(path: Path, folder: Path) -> None:
    with tarfile.open(path, mode="r:gz") as tar:
        if hasattr(tarfile, "data_filter"):
            # Nothing outside the folder, no devices, no owners taken from the archive.
            tar.extractall(folder, filter="data")
        else:  # pragma: no cover - Python before 3.11.4: plain files and folders inside it
            members = [
                member
                for member in tar
                if (member.isfile() or member.isdir())
                and not os.path.isabs(member.name)
                and ".." not in Path(member.name).parts
            ]
            tar.extractall(folder, members=members)  # noqa: S202 - members checked above


def _restore_database(path: Path, quiet: bool) -> None:
    call_command("dbrestore", database=DEFAULT_DB_ALIAS, input_path=str(path), uncompress=True,
                 interactive=False, quiet=quiet)  # fmt: skip


def _restore_media(path: Path, folder: Path, quiet: bool) -> None:
    _empty(folder)
    call_command("mediarestore", input_path=str(path), uncompress=True, replace=True,
                 interactive=False, quiet=quiet)  # fmt: skip


def _restore_folder(path: Path, folder: Path) -> None:
    _empty(folder)
    _extract(path, folder)


def restore_apply(prepared: Prepared, *, verbose: bool = False) -> Restored:
    """Replace the database and the three folders with the prepared set; running it again
    gives the same result. The web and the worker should be stopped (deploy/README.md)."""
    quiet = not verbose
    paths, places = prepared.paths, folders()
    steps = {
        "database": partial(_restore_database, paths["database"], quiet),
        "media": partial(_restore_media, paths["media"], places["media"], quiet),
        "case-files": partial(_restore_folder, paths["case-files"], places["case-files"]),
        "imports": partial(_restore_folder, paths["imports"], places["imports"]),
    }
    done = []
    for part, step in steps.items():
        try:
            step()
        except Exception as error:
            finished = "、".join(PARTS[name] for name in done) or "没有"
            raise BackupError(
                f"恢复{PARTS[part]}时出错：{error}。已恢复的部分：{finished}。排除原因后重新运行"
                f" manage.py restore --timestamp {prepared.backup.stamp}（可以重复运行）。"
            ) from error
        done.append(part)
    # The page cache's generation came back with the database (or stayed in Redis): a lost one
    # restarts from the clock, so no page cached before the restore is ever served again.
    caches["default"].delete(pagecache.GENERATION_KEY)
    return Restored(
        stamp=prepared.backup.stamp,
        database=prepared.database,
        folders={part: (places[part], _count_files(places[part])) for part in FOLDER_SETTINGS},
    )
