"""Log files never hold a whole identity number or mobile number, tracebacks included."""

from __future__ import annotations

import logging
import re

import pytest

from tawasul_desktop import logs
from tawasul_desktop.domain.identity import make_identity

NATIONAL_ID = make_identity("1", "23456789")
IQAMA = make_identity("2", "34567890")
MOBILES = ["0551234567", "+966551234567", "00966 55 123 4567", "966-55-123-4567",
           "(055) 123-4567", "551234567", "٠٥٥١٢٣٤٥٦٧", "+966 (55) 123 45 67"]


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TAWASUL_LOG_DIR", str(tmp_path / "logs"))
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    target = logs.setup_logging(console=False)
    yield target
    for handler in list(root.handlers):
        if getattr(handler, "tawasul", False):
            root.removeHandler(handler)
            handler.close()
    root.handlers[:], root.level = before[0], before[1]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")))


@pytest.mark.parametrize("mobile", MOBILES)
def test_every_writing_of_a_mobile_is_masked(mobile):
    masked = logs.mask_personal_numbers(f"sms to {mobile} failed")
    assert _digits(mobile)[-9:] not in _digits(masked)  # the subscriber number is gone
    assert masked.endswith("567 failed") or masked.endswith("5 67 failed")
    assert masked.startswith("sms to ")


def test_identity_numbers_keep_only_their_last_two_digits():
    masked = logs.mask_personal_numbers(f"duplicate for {NATIONAL_ID} and {IQAMA}.")
    assert NATIONAL_ID not in masked and IQAMA not in masked
    assert f"••••••••{NATIONAL_ID[-2:]}" in masked and masked.endswith(f"{IQAMA[-2:]}.")


def test_harmless_numbers_stay():
    text = "request 101-03-26-000042-6 at 2026-11-25 10:42:05, 3 files, 12 ms"
    assert logs.mask_personal_numbers(text) == text


def test_the_file_gets_masked_messages_arguments_and_tracebacks(log_file):
    log = logging.getLogger("tawasul_desktop.test")
    log.info("login for %s from %s", NATIONAL_ID, "0551234567")
    log.warning(f"inline {IQAMA} +966 55 765 4321")
    try:
        raise ValueError(f"bad identity {NATIONAL_ID}")
    except ValueError:
        log.exception("submit failed for %s", IQAMA)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "login for" in text and "ValueError: bad identity" in text
    for number in (NATIONAL_ID, IQAMA, "0551234567", "551234567", "557654321"):
        assert number not in text
    assert _digits("55 765 4321") not in _digits(text)
    assert logs.last_lines(3)[-1].startswith("ValueError")


def test_files_rotate(log_file):
    log = logging.getLogger("tawasul_desktop.test")
    line = "x" * 1000
    for _ in range(logs.MAX_BYTES // 1000 + 50):
        log.info(line)
    assert log_file.with_name(log_file.name + ".1").exists()
    assert log_file.stat().st_size <= logs.MAX_BYTES
