"""The receipt dialog prints through the real CUPS scheduler of conftest.py.

A counter sets its receipt printer and format once in the configuration file; then Print
(one key, Ctrl+P) sends the receipt there with no dialog, on the receipt's own paper. A
printer chosen in Qt's print dialog gets the same job; one that cannot take the paper is
refused with a message and receives nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from cups_server import OFFICE, ROLL, Cups  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtGui import QPageSize  # noqa: E402
from PySide6.QtPrintSupport import QPrintDialog, QPrinter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tawasul_desktop.config import load_settings  # noqa: E402
from tawasul_desktop.gui import workers  # noqa: E402
from tawasul_desktop.gui.receipt_dialog import ReceiptDialog  # noqa: E402
from tawasul_desktop.storage.requests import submit_request  # noqa: E402
from tawasul_desktop.storage.store import Store  # noqa: E402
from tawasul_desktop.storage.users import Actor  # noqa: E402

MM = 72 / 25.4
CLERK = Actor("amal", "clerk", "Amal")


def _sizes(data: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    path = tmp_path / "arrived.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", "-l", "99", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in
            re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)]


@pytest.fixture
def counter_store(tmp_path, clean_env, valid_request):
    """A store whose configuration names the receipt printer and format, as set-up writes."""

    def open_store(printer: str, fmt: str) -> tuple[Store, str]:
        config = tmp_path / f"tawasul-{printer}-{fmt}.toml"
        config.write_text(f'[receipt]\nformat = "{fmt}"\nprinter = "{printer}"\n')
        settings = load_settings(config_file=config, db=tmp_path / f"{fmt}.sqlite3",
                                 data_dir=tmp_path / "data")
        store = Store.open(settings)
        opened.append(store)
        return store, submit_request(store, CLERK, valid_request()).number

    opened: list[Store] = []
    yield open_store
    workers.wait_for_all()
    for store in opened:
        store.close()


def _ready_dialog(qtbot, store: Store, number: str) -> ReceiptDialog:
    dialog = ReceiptDialog(store, CLERK, number)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.pdf is not None, timeout=10000)
    return dialog


def test_one_key_prints_the_roll_on_the_configured_roll_printer(
    qtbot, cups: Cups, counter_store, tmp_path
) -> None:
    store, number = counter_store(ROLL, "roll80")
    dialog = _ready_dialog(qtbot, store, number)
    assert dialog.print_to_button.isVisible()  # another printer stays one click away

    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)

    def press() -> None:
        qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: dialog.printed + dialog.print_failures == 1, timeout=20000)
        assert dialog.printed == 1, dialog.status.text()

    data = cups.job(ROLL, press)
    (width, height), = _sizes(data, tmp_path)
    assert abs(width - 80 * MM) < 1.0 and height > 100 * MM
    assert len(data) < 150_000
    assert dialog.print_dialog is None  # no dialog was opened


def test_a_printer_without_the_paper_gets_a_message_and_nothing(
    qtbot, cups: Cups, counter_store
) -> None:
    store, number = counter_store(ROLL, "a5")
    dialog = _ready_dialog(qtbot, store, number)
    cups.reset(ROLL)
    dialog.print_button.click()
    qtbot.waitUntil(lambda: dialog.print_failures == 1, timeout=20000)
    assert "A5" in dialog.status.text() and ROLL in dialog.status.text()
    assert "الطابعة" in dialog.status.text()  # Arabic first (the program's language)
    cups.wait_done()
    assert cups.output(ROLL).read_bytes() == b""


def test_the_printer_chosen_in_qts_dialog_gets_the_receipt_on_its_paper(
    qtbot, cups: Cups, counter_store, tmp_path
) -> None:
    store, number = counter_store(OFFICE, "a5")
    dialog = _ready_dialog(qtbot, store, number)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPrinterName(OFFICE)  # as the print dialog leaves it

    def send() -> None:
        dialog.print_to(printer)
        qtbot.waitUntil(lambda: dialog.printed == 1, timeout=20000)

    data = cups.job(OFFICE, send)
    assert [(round(w), round(h)) for w, h in _sizes(data, tmp_path)] == [(420, 595)]  # A5
    assert len(data) < 300_000


def test_the_print_dialog_opens_on_the_receipts_paper(qtbot, cups: Cups, counter_store) -> None:
    store, number = counter_store(OFFICE, "a5")
    dialog = _ready_dialog(qtbot, store, number)
    seen: list[object] = []

    def look_and_cancel() -> None:
        shown = QApplication.activeModalWidget()
        if isinstance(shown, QPrintDialog):
            seen.append(shown.printer().pageLayout().pageSize().id())
            seen.append(shown.printer().printerName())
            shown.reject()
        else:
            QTimer.singleShot(50, look_and_cancel)

    QTimer.singleShot(50, look_and_cancel)
    dialog.print_to_button.click()
    assert seen == [QPageSize.PageSizeId.A5, OFFICE]


def test_a_second_key_press_while_printing_does_not_print_twice(
    qtbot, cups: Cups, counter_store
) -> None:
    # The Print button is disabled while a job is on its way; its Ctrl+P shortcut must be
    # too, or an impatient second press prints a second receipt.
    store, number = counter_store(ROLL, "roll80")
    dialog = _ready_dialog(qtbot, store, number)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    cups.reset(ROLL)
    jobs_before = len(cups.run("lpstat", "-W", "completed", "-o", ROLL).splitlines())
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.print_button.isEnabled(), timeout=20000)
    workers.wait_for_all()
    qtbot.wait(0)  # deliver any result still queued for the GUI thread
    assert dialog.printed == 1
    cups.wait_done()
    jobs = len(cups.run("lpstat", "-W", "completed", "-o", ROLL).splitlines())
    assert jobs == jobs_before + 1
