"""The SQLite connector of the backups: django-dbbackup's own for the backup, SQLite's online
backup API for the restore too.

django-dbbackup's SqliteBackupConnector copies a live database consistently (SQLite's backup API
reads committed pages, the write-ahead log included), but restores by writing the file over the
open database: a running process keeps reading its old pages, and a `-wal` file left beside it
is replayed onto the new file the next time it is opened, which corrupts it. This connector
restores through the same API into the open connection instead, so SQLite itself replaces every
page under its locks, in WAL mode too."""

import shutil
import sqlite3
import tempfile

from dbbackup import settings as dbbackup_settings
from dbbackup.db.sqlite import SqliteBackupConnector


class SqliteOnlineConnector(SqliteBackupConnector):
    def restore_dump(self, dump):
        with tempfile.TemporaryDirectory(dir=dbbackup_settings.TMP_DIR) as folder:
            path = f"{folder}/restore.sqlite3"
            with open(path, "wb") as copy:
                shutil.copyfileobj(dump, copy)
            source = sqlite3.connect(path)
            try:
                (verdict,) = source.execute("PRAGMA quick_check").fetchone()
                if verdict != "ok":
                    raise sqlite3.DatabaseError(f"备份的数据库文件已损坏：{verdict}")
                self.connection.close()
                self.connection.ensure_connection()
                source.backup(self.connection.connection)
            finally:
                source.close()
