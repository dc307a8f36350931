"""Log lines and crash reports hold no personal data: identity numbers however grouped,
e-mail mailboxes, names (Arabic words, quoted name fields) and the values of a crash's
locals and arguments never reach the file, which is the desk account's only."""

from __future__ import annotations

import logging
import os
import stat
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from tawasul_desktop import logs
from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.storage.engine import make_engine

NATIONAL_ID = make_identity("1", "23456789")
IQAMA = make_identity("2", "34567890")


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TAWASUL_LOG_DIR", str(tmp_path / "logs"))
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    old_umask = os.umask(0o022)
    target = logs.setup_logging(console=False)
    yield target
    os.umask(old_umask)
    for handler in list(root.handlers):
        if getattr(handler, "tawasul", False):
            root.removeHandler(handler)
            handler.close()
    root.handlers[:], root.level = before[0], before[1]


def _grouped(number: str) -> list[str]:
    return [f"{number[:4]} {number[4:7]} {number[7:]}", f"{number[:3]}-{number[3:6]}-{number[6:]}",
            " ".join(number), f"{number[:1]}-{number[1:5]}-{number[5:]}",
            f"{number[:4]}.{number[4:7]}.{number[7:]}"]


@pytest.mark.parametrize("written", _grouped(NATIONAL_ID) + _grouped(IQAMA))
def test_identity_numbers_with_spaces_or_dashes_are_masked(written):
    masked = logs.mask_personal_numbers(f"duplicate for {written}.")
    digits = "".join(c for c in masked if c.isdigit())
    assert len(digits) == 2, masked  # only the last two digits stay


def test_request_numbers_dates_and_counts_stay():
    line = ("request 101-03-26-000042-6 due 2026-11-25 14:30, 3 files, 12 ms, "
            "batch 500 of 100000")
    assert logs.mask_personal_numbers(line) == line


@pytest.mark.parametrize("line", [
    "mail to sara.alharbi+desk@example.com failed",
    "applicant أحمد محمد القحطاني refused",
    "payload {'applicant_name': 'John Smith', 'counter': 3}",
    'payload {"beneficiary_name": "Maria Santos", "counter": 3}',
    "user display_name='Huda Al-Otaibi' added",
    "description: 'my passport was lost in Dammam'",
])
def test_names_and_e_mails_are_masked(line):
    masked = logs.mask_personal_numbers(line)
    for secret in ("sara.alharbi", "أحمد", "القحطاني", "John Smith", "Maria Santos",
                   "Huda", "Dammam"):
        assert secret not in masked
    assert logs.MASK in masked


def _crash(national_id: str, applicant_name: str) -> None:
    secret_local = f"{applicant_name} {national_id} sara@example.com"  # noqa: F841
    raise KeyError({"applicant_name": applicant_name, "id": national_id})


NAME = "Maria Santos"


def test_a_crash_report_names_the_place_never_the_values(log_file):
    try:
        _crash(NATIONAL_ID, NAME)
    except KeyError:
        logging.getLogger("tawasul_desktop.test").exception("unexpected error")
        report = logs.safe_traceback(*sys.exc_info())  # what the GUI's hook writes
    for handler in logging.getLogger().handlers:
        handler.flush()
    for written in (report, log_file.read_text(encoding="utf-8")):
        assert "_crash" in written and "KeyError" in written and "test_log_privacy.py" in written
        assert NATIONAL_ID not in written and "Maria Santos" not in written
        assert "sara@example.com" not in written


def test_database_errors_carry_no_row_values(tmp_path):
    engine = make_engine(tmp_path / "x.sqlite3")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id TEXT PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "Maria Santos"})
    with pytest.raises(SQLAlchemyError) as raised, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "Maria Santos"})
    assert "Maria Santos" not in str(raised.value)
    plain = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")  # what it said before
    with pytest.raises(SQLAlchemyError) as before, plain.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "Maria Santos"})
    assert "Maria Santos" in str(before.value)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_the_log_file_and_folder_are_private(log_file):
    logging.getLogger("tawasul_desktop.test").warning("hello")
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700
