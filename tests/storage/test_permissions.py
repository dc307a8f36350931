"""Personal data on disk is the desk account's only: folders 0700, files 0600, however loose
the umask the program starts with, and a warning when someone loosens them later."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tawasul_desktop.storage.backup import backup_database, restore_database
from tawasul_desktop.storage.requests import submit_request
from tawasul_desktop.storage.store import Store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="modes are POSIX; Windows uses the "
                                "profile's access list")
REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # the usual default: 0644 files, 0755 folders
    yield
    os.umask(old)


def test_a_new_desk_is_private(settings, valid_request, clerk, loose_umask):
    with Store.open(settings) as store:
        submit_request(store, clerk, valid_request())
        db = settings.db_path
        assert mode(settings.data_dir) == 0o700
        assert mode(settings.attachments_dir) == 0o700
        for f in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            assert mode(f) == 0o600, f
        blobs = [p for p in settings.attachments_dir.rglob("*")]
        assert blobs
        for p in blobs:
            assert mode(p) == (0o700 if p.is_dir() else 0o600), p


def test_backups_and_kept_copies_are_private(store, tmp_path, loose_umask):
    target = tmp_path / "shared" / "backup.sqlite3"
    backup_database(store.db_path, target)
    assert mode(target) == 0o600
    kept = restore_database(target, store.db_path)
    assert kept is not None and mode(kept) == 0o600


def test_a_loosened_file_is_reported_at_start(settings, caplog, loose_umask):
    Store.open(settings).close()
    settings.db_path.chmod(0o644)
    settings.attachments_dir.chmod(0o755)
    with caplog.at_level(logging.WARNING), Store.open(settings) as store:
        # (the -wal and -shm SQLite made since, with the database's mode, are listed too)
        assert {settings.db_path, settings.attachments_dir} <= set(store.permission_warnings)
    text = caplog.text
    assert str(settings.db_path) in text and "chmod 600" in text
    assert "chmod 700" in text


def test_the_command_reports_loosened_files_and_creates_private_ones(settings, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    # The run's own machine folder; a named configuration file must exist.
    env["TAWASUL_SITE_CONFIG_DIR"] = os.environ["TAWASUL_SITE_CONFIG_DIR"]
    (tmp_path / "none.toml").touch()
    env.update(TAWASUL_DB=str(settings.db_path), TAWASUL_DATA_DIR=str(settings.data_dir),
               TAWASUL_CONFIG=str(tmp_path / "none.toml"), PYTHONPATH=str(REPO))

    def tawasul(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tawasul_desktop.cli.main", *args],
                              capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=120)

    first = tawasul("request", "list")
    assert first.returncode == 0, first.stderr
    assert mode(settings.db_path) == 0o600 and mode(settings.data_dir) == 0o700
    made = tawasul("backup", str(tmp_path / "b.sqlite3"))
    assert made.returncode == 0 and mode(tmp_path / "b.sqlite3") == 0o600
    settings.db_path.chmod(0o664)
    again = tawasul("request", "list")
    assert again.returncode == 0
    assert "open to other accounts" in again.stderr and str(settings.db_path) in again.stderr


def test_exports_are_private(store, supervisor, tmp_path, loose_umask):
    from tawasul_desktop.storage.queue import QueueFilter, QueueQuery
    from tawasul_desktop.storage.reports import export_csv, export_xlsx

    query = QueueQuery(store, supervisor, QueueFilter())
    export_csv(query, tmp_path / "q.csv", store.catalogue)
    export_xlsx(query, tmp_path / "q.xlsx", store.catalogue)
    assert mode(tmp_path / "q.csv") == 0o600 and mode(tmp_path / "q.xlsx") == 0o600
