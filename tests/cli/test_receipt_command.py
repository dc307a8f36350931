"""`tawasul receipt`: the real command writes a PDF whose text carries the request."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest

from tawasul_desktop.storage import requests as ops

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (Debian poppler-utils) is not installed"
)


def _text(pdf) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return unicodedata.normalize("NFKC", out)


@needs_poppler
@pytest.mark.parametrize("fmt", ["a5", "a4", "roll80"])
def test_receipt_for_a_stored_request(tawasul, store, valid_request, clerk, tmp_path, fmt):
    summary = ops.submit_request(store, clerk, valid_request(name="سارة خالد العتيبي"))
    target = tmp_path / f"receipt-{fmt}.pdf"
    ran = tawasul("receipt", summary.number, "-o", target, "--format", fmt, "--json")
    assert ran.code == 0, ran.err
    assert ran.data == {"receipt": str(target), "format": fmt}
    text = _text(target)
    assert summary.number in text
    assert "العتيبي" in text and "سارة" in text
    assert "00966114771100" in text


@needs_poppler
def test_a_reprint_is_marked_copy(tawasul, store, valid_request, clerk, tmp_path):
    summary = ops.submit_request(store, clerk, valid_request())
    target = tmp_path / "copy.pdf"
    assert tawasul("receipt", summary.number, "-o", target, "--copy").code == 0
    assert "COPY" in _text(target)


def test_a_mistyped_number_writes_nothing(tawasul, store, valid_request, clerk, tmp_path):
    summary = ops.submit_request(store, clerk, valid_request())
    digits = summary.number.replace("-", "")
    typo = digits[:-2] + digits[-1] + digits[-2]  # swap the last two digits
    target = tmp_path / "never.pdf"
    ran = tawasul("receipt", typo, "-o", target)
    assert ran.code == 2
    assert "request.bad_number" in ran.err
    assert not target.exists()


def test_a_missing_configured_font_is_a_clear_error(tawasul, store, valid_request, clerk, tmp_path):
    summary = ops.submit_request(store, clerk, valid_request())
    config = tmp_path / "config.toml"
    config.write_text('[receipt]\nfont = "/nowhere/NoSuchFont.ttf"\n', encoding="utf-8")
    target = tmp_path / "r.pdf"
    ran = tawasul("receipt", summary.number, "-o", target, env={"TAWASUL_CONFIG": str(config)})
    assert ran.code == 1
    assert "NoSuchFont.ttf" in ran.err and "Traceback" not in ran.err
    assert not target.exists()


@needs_poppler
def test_the_receipt_names_a_registered_clerk_never_an_os_account(
    tawasul, store, valid_request, tmp_path
):
    from cli_users import SETUP

    from tawasul_desktop.cli.identity import os_account
    from tawasul_desktop.storage.os_accounts import map_account
    from tawasul_desktop.storage.users import Actor, add_user

    # Submitted by the command before accounts were mapped: recorded as "os:ACCOUNT".
    legacy = ops.submit_request(store, Actor(f"os:{os_account()}", "admin"), valid_request())
    unmapped = tmp_path / "unmapped.pdf"
    assert tawasul("receipt", legacy.number, "-o", unmapped).code == 0
    assert "os:" not in _text(unmapped)

    with store.write() as session:
        add_user(session, SETUP, "huda.k", "clerk", "long password 1", store.policy.security,
                 "Huda Clerk")
        map_account(session, SETUP, os_account(), "huda.k")
    mapped = tmp_path / "mapped.pdf"
    assert tawasul("receipt", legacy.number, "-o", mapped).code == 0
    text = _text(mapped)
    assert "Huda Clerk" in text and "os:" not in text
