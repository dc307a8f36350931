"""Operating the program: first-run set-up, configuration errors, diagnostics, self-check,
and a database from a newer program, all as the person at the counter meets them."""

from __future__ import annotations

import io
import logging
import sqlite3
import sys
import threading
import tomllib

import pytest
from gui_helpers import PASSWORD, type_text
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from tawasul_desktop.config import load_settings
from tawasul_desktop.gui import app as desktop
from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.gui.self_check import run_self_check
from tawasul_desktop.gui.setup_dialog import SetupDialog
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import find_user


@pytest.fixture
def errors(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(dialogs, "error", lambda _parent, _title, text: shown.append(text))
    return shown


@pytest.fixture
def quiet_main(monkeypatch, tmp_path):
    """main() installs hooks and log handlers for the whole process: undo them after."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setenv("TAWASUL_LOG_DIR", str(tmp_path / "logs"))
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "tawasul", False)]:
        root.removeHandler(handler)
        handler.close()


def _setup_dialog(qtbot, tmp_path):
    from tawasul_desktop.gui.i18n import LanguageManager

    LanguageManager.for_app(desktop.make_application()).apply("ar")
    config = tmp_path / "conf" / "config.toml"
    dialog = SetupDialog(config, load_settings(config, data_dir=tmp_path / "unused"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return config, dialog


def _fill(qtbot, dialog, tmp_path, *, code="205", password=PASSWORD, repeat=PASSWORD):
    dialog.centre_code.clear()
    type_text(qtbot, dialog.centre_code, code)
    dialog.name_ar.clear()
    type_text(qtbot, dialog.name_ar, "مركز خدمات الجوازات - جدة")
    dialog.name_en.clear()
    type_text(qtbot, dialog.name_en, "Jeddah Passports Service Centre")
    dialog.counter.setValue(7)
    dialog.data_dir.setText(str(tmp_path / "counter data"))
    dialog.receipt_format.setCurrentText("roll80")
    dialog.printer.setCurrentText("Counter 7 Thermal")
    type_text(qtbot, dialog.username, "admin")
    type_text(qtbot, dialog.display_name, "Nora")
    type_text(qtbot, dialog.password, password)
    type_text(qtbot, dialog.repeat, repeat)


def test_first_run_setup_writes_the_configuration_and_the_first_administrator(
        qtbot, tmp_path, clean_env):
    config, dialog = _setup_dialog(qtbot, tmp_path)
    assert str(config) in dialog.file_label.text()
    _fill(qtbot, dialog, tmp_path)
    with qtbot.waitSignal(dialog.saved, timeout=15_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.admin_created
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    assert raw["centre"] == {"code": "205", "name_ar": "مركز خدمات الجوازات - جدة",
                             "name_en": "Jeddah Passports Service Centre", "counter": 7}
    assert raw["storage"] == {"data_dir": str(tmp_path / "counter data")}
    assert raw["receipt"] == {"format": "roll80", "printer": "Counter 7 Thermal"}
    assert "central" not in raw  # left empty: no key
    settings = load_settings(config)
    assert settings.db_path == tmp_path / "counter data" / "tawasul.sqlite3"
    with Store.open(settings) as store, store.read() as session:
        admin = find_user(session, "admin")
        assert admin is not None and admin.role == "admin" and admin.display_name == "Nora"
    assert not desktop.is_first_run(config, settings)


@pytest.mark.parametrize(("changes", "expected"), [
    ({"code": "20a"}, "centre code must be three digits"),
    ({"password": "short", "repeat": "short"}, "8"),
    ({"repeat": PASSWORD + "x"}, "كلمتا المرور مختلفتان"),
])
def test_setup_refuses_invalid_values_and_writes_nothing(qtbot, tmp_path, clean_env, changes,
                                                         expected):
    config, dialog = _setup_dialog(qtbot, tmp_path)
    _fill(qtbot, dialog, tmp_path, **changes)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.message.isVisible() and expected in dialog.message.text()
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    assert not config.exists() and not (tmp_path / "counter data").exists()


def test_invalid_configuration_is_shown_naming_key_and_file(qtbot, tmp_path, clean_env, errors,
                                                            quiet_main):
    config = tmp_path / "config.toml"
    config.write_text("[receipt]\nformat = \"a3\"\n", encoding="utf-8")
    assert desktop.main(["--config", str(config)]) == 2
    [text] = errors
    assert str(config) in text and "receipt.format" in text and "Traceback" not in text


def test_a_newer_database_stops_the_program_with_a_message(qtbot, tmp_path, clean_env, errors,
                                                           quiet_main):
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndata_dir = "{(tmp_path / "d").as_posix()}"\n',
                      encoding="utf-8")
    settings = load_settings(config)
    with Store.open(settings):
        pass
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    QTimer.singleShot(15_000, QApplication.quit)  # never hang the test run
    assert desktop.main(["--config", str(config)]) == 1
    [text] = errors
    assert str(settings.db_path) in text and "0099" in text
    workers.wait_for_all()


def test_copy_diagnostics_puts_a_report_on_the_clipboard(qtbot, window, settings):
    QApplication.clipboard().clear()
    window.action_diagnostics.trigger()
    text = QApplication.clipboard().text()
    assert text.startswith("== Versions ==") and "Tawasul Desk" in text
    assert f"centre_code = {settings.centre_code}" in text and "Qt platform" in text
    assert "== Log" in text


def test_self_check_reports_every_step(qtbot, tmp_path, clean_env, monkeypatch):
    monkeypatch.setenv("TAWASUL_CONFIG", str(tmp_path / "absent.toml"))
    out = io.StringIO()
    assert run_self_check(out, data_dir=tmp_path / "data") == 0, out.getvalue()
    report = out.getvalue()
    for step in ("configuration", "assets", "database", "receipt", "interface"):
        assert f"  {step}" in report and f"{step} FAILED" not in report
    assert "self-check passed" in report and (tmp_path / "data" / "tawasul.sqlite3").exists()


def test_self_check_fails_clearly_on_a_bad_configuration(qtbot, tmp_path, clean_env):
    config = tmp_path / "config.toml"
    config.write_text("[centre]\ncounter = 120\n", encoding="utf-8")
    out = io.StringIO()
    assert run_self_check(out, config_file=config) == 1
    report = out.getvalue()
    assert "configuration  FAILED" in report and "counter" in report
    assert report.rstrip().endswith("self-check FAILED: configuration")
