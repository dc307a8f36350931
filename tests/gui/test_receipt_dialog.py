"""Receipt preview, printing and saving from the desktop; reprints are marked as copies."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata

import pytest
from gui_helpers import sign_in
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel

from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.gui.receipt_dialog import ReceiptDialog
from tawasul_desktop.storage.audit import AuditLog  # noqa: F401 - the table the test reads
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.models import AuditEntry
from tawasul_desktop.storage.requests import submit_request
from tawasul_desktop.storage.users import Actor

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (Debian poppler-utils) is not installed"
)
CLERK = Actor("amal", "clerk", "Amal")


def _submit(store) -> str:
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput(
            "ريم خالد الشهري", make_identity("1", "12345678"), "0551234567", "reem@example.com"
        ),
        description="تعذر تجديد جواز السفر عبر المنصة بسبب رسالة خطأ متكررة عند السداد الإلكتروني",
        fields={"passport_action": "renew"},
        attachments=[
            AttachmentInput("national_id_copy", "id.pdf", _SAMPLE_PDF),
            AttachmentInput("personal_photo", "photo.png", _tiny_png()),
        ],
    )
    valid, problems = validate_request(draft)
    assert valid is not None, problems
    return submit_request(store, CLERK, valid).number


def _pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return unicodedata.normalize("NFKC", out.stdout)


@needs_poppler
def test_preview_print_and_save(qtbot, store, tmp_path):
    number = _submit(store)
    dialog = ReceiptDialog(store, CLERK, number)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.pdf is not None, timeout=10000)
    pages = [w for w in dialog.findChildren(QLabel) if w.objectName() == "receiptPage"]
    assert len(pages) == 1 and pages[0].pixmap().height() > pages[0].pixmap().width()

    saved = tmp_path / "saved.pdf"
    dialog.save_to(saved)
    text = _pdf_text(saved)
    assert number in text and "الشهري" in text and "COPY" not in text

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    dialog.print_to(printer)
    assert printed.stat().st_size > 10_000  # the rasterised page, not an empty sheet
    info = subprocess.run(
        ["pdfinfo", str(printed)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info
    # Without CUPS (Windows, or a file printer) the page goes on the receipt's own paper.
    assert re.search(r"^Page size:.*\(A5\)$", info, re.MULTILINE), info

    with store.read() as session:
        actions = [
            e.new for e in session.query(AuditEntry).filter(AuditEntry.action == "receipt.print")
        ]
    assert len(actions) == 2 and '"how":"save"' in actions[0] and '"how":"print"' in actions[1]


@needs_poppler
def test_reprint_from_the_enquiry_page_is_a_copy(qtbot, window, store, tmp_path):
    number = _submit(store)
    sign_in(qtbot, window, "amal")
    page = window.enquiry
    page.open_number(number)
    qtbot.waitUntil(lambda: page.view is not None, timeout=5000)
    assert page.reprint_button.isEnabled()
    page.reprint_button.click()
    dialog = page.receipt_dialog
    qtbot.waitUntil(lambda: dialog.pdf is not None, timeout=10000)
    assert dialog.copy
    saved = tmp_path / "copy.pdf"
    dialog.save_to(saved)
    assert "COPY" in _pdf_text(saved)


@needs_poppler
def test_without_cups_the_roll_is_drawn_on_80_mm_paper_unscaled(qtbot, settings, tmp_path):
    """The QPrinter path (Windows drivers): the roll's own paper, at the printer's dots, and
    its barcode still decodes from the page rendered at a thermal head's 203 dpi."""
    import dataclasses

    from tawasul_desktop.storage.store import Store

    roll = dataclasses.replace(settings, receipt_format="roll80")
    with Store.open(roll) as store:
        number = _submit(store)
        dialog = ReceiptDialog(store, CLERK, number)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.pdf is not None, timeout=10000)
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setResolution(203)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printed = tmp_path / "roll.pdf"
        printer.setOutputFileName(str(printed))
        dialog.print_to(printer)
        info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True,
                              check=True).stdout
        width, height = map(float, re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info,
                                             re.MULTILINE).groups())
        sent = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", dialog.pdf)
        assert abs(width - 226.77) < 1.0 and abs(height - float(sent.group(2))) < 1.0, info
        subprocess.run(["pdftoppm", "-r", "203", "-mono", str(printed), str(tmp_path / "p")],
                       check=True)
        image = next(tmp_path.glob("p*.pbm"))
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)],
                                 capture_output=True, text=True, check=False).stdout.split()
        assert number.replace("-", "") in decoded
