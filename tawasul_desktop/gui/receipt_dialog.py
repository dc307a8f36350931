"""Preview, print and save a request's receipt (a reprint is marked as a copy).

The PDF is made by the Qt-free receipts module in a worker thread and previewed with PDFium.
Printing sends that very PDF to CUPS (receipts/printing.py) on the receipt's own paper:
text and barcodes stay vectors, a job is tens of kilobytes, and a printer that cannot take
the paper is refused with a message instead of a rescaled page. Qt's print dialog (opened
on the receipt's paper) only chooses the printer. Without CUPS (Windows) the page is drawn
through QPrinter at the printer's own resolution, on the receipt's paper, unscaled.

With a receipt printer configured (receipt.printer), Print (Ctrl+P, or Enter once the
receipt is ready) prints there at once; "Print to…" opens the dialog.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QLocale, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPixmap,
    QShortcut,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.domain.bidi import fill, isolate, ltr
from tawasul_desktop.domain.messages import message
from tawasul_desktop.gui import workers
from tawasul_desktop.receipts import ReceiptFontError
from tawasul_desktop.receipts.for_request import receipt_pdf_bytes, record_receipt
from tawasul_desktop.receipts.printing import (
    Paper,
    PaperNotSupported,
    PrintError,
    cups_available,
    paper_of,
    print_pdf,
)
from tawasul_desktop.storage.requests import get_request
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

log = logging.getLogger(__name__)


def pdf_page_images(pdf: bytes, dpi: float) -> list[QImage]:
    """Rasterise every page of a PDF at ``dpi`` (PDFium; works the same on Windows and Linux)."""
    import pypdfium2

    from tawasul_desktop.domain.file_checks import PDFIUM_LOCK

    with PDFIUM_LOCK:  # PDFium is not thread-safe; previews render in workers
        return _page_images(pypdfium2.PdfDocument(pdf), dpi)


def _page_images(document: Any, dpi: float) -> list[QImage]:
    images = []
    try:
        for index in range(len(document)):
            bitmap = document[index].render(scale=dpi / 72, rev_byteorder=True)
            image = QImage(
                bitmap.buffer,
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                QImage.Format.Format_RGB888
                if bitmap.n_channels == 3
                else QImage.Format.Format_RGBA8888,
            )
            images.append(image.copy())  # detach from PDFium's buffer before it is freed
    finally:
        document.close()
    return images


def receipt_page_layout(paper: Paper) -> QPageLayout:
    """The receipt's own paper (A5, A4 or 80 mm x its length), portrait, no margins."""
    if paper.sheet == "A4":
        size = QPageSize(QPageSize.PageSizeId.A4)
    elif paper.sheet == "A5":
        size = QPageSize(QPageSize.PageSizeId.A5)
    else:
        size = QPageSize(QSizeF(paper.width, paper.height), QPageSize.Unit.Point,
                         "Receipt roll", QPageSize.SizeMatchPolicy.ExactMatch)
    return QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0),
                       QPageLayout.Unit.Point)


def print_with_qt(pdf: bytes, printer: QPrinter) -> int:
    """Where there is no CUPS (Windows): draw each page on the receipt's paper at the
    printer's own resolution, one page pixel per printer dot, never scaled to another sheet.
    Raises PaperNotSupported when the driver will not take the paper. Returns pages."""
    paper = paper_of(pdf)
    layout = receipt_page_layout(paper)
    printer.setFullPage(True)
    if not printer.setPageLayout(layout) or not printer.pageLayout().pageSize().isEquivalentTo(
            layout.pageSize()):
        ar, en = message("print.paper_not_supported", printer=isolate(printer.printerName()),
                         paper=ltr(paper.label))
        raise PaperNotSupported(ar, en)
    # 600 dpi at most: finer only makes the job bigger; thermal heads are 203 dpi.
    dpi = min(printer.resolution(), 600)
    pages = pdf_page_images(pdf, dpi)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        scale = printer.resolution() / 72
        for number, page in enumerate(pages):
            if number:
                printer.newPage()
            target = QRectF(0, 0, paper.width * scale, paper.height * scale)
            painter.drawImage(target, page)
    finally:
        painter.end()
    return len(pages)


def _language() -> str:
    return "en" if QLocale().language() == QLocale.Language.English else "ar"


class ReceiptDialog(QDialog):
    def __init__(
        self,
        store: Store,
        actor: Actor,
        number: str,
        *,
        copy: bool = False,
        intro: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("receiptDialog")
        self.store, self.actor, self.number, self.copy = store, actor, number, copy
        self.pdf: bytes | None = None
        self.printed = self.print_failures = 0  # jobs sent / refused, for tests and logs
        self.print_dialog: QPrintDialog | None = None
        self.intro = QLabel(intro, self)
        self.intro.setObjectName("receiptIntro")
        self.intro.setWordWrap(True)
        self.intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel(self)
        self.status.setObjectName("receiptStatus")
        self.status.setWordWrap(True)
        self.pages = QWidget(self)
        self.pages_layout = QVBoxLayout(self.pages)
        scroll = QScrollArea(self)
        scroll.setObjectName("receiptPreview")
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.pages)
        scroll.setMinimumSize(460, 520)
        self.buttons = QDialogButtonBox(self)
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("printReceiptButton")
        self.print_button.setDefault(True)
        # Its own shortcut object: the button's text sets an Alt mnemonic that would replace it.
        self.print_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self)
        self.print_shortcut.activated.connect(self.print_receipt)
        self.print_to_button = QPushButton(self)
        self.print_to_button.setObjectName("printReceiptToButton")
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveReceiptButton")
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.print_to_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self.print_receipt)
        self.print_to_button.clicked.connect(self.choose_printer)
        self.save_button.clicked.connect(self.save_receipt)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._set_ready(False)
        self.retranslate()
        store_, number_, copy_ = store, number, copy
        clerk = actor.display_name or actor.username
        self._request_id = ""

        def render() -> tuple[bytes, str]:
            pdf = receipt_pdf_bytes(store_, number_, clerk=clerk, copy=copy_)
            return pdf, str(get_request(store_, number_).id)

        workers.run_task(render, self._on_rendered, self._on_failed)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Receipt (copy)") if self.copy else self.tr("Receipt"))
        direct = bool(self.store.settings.receipt_printer)
        self.print_button.setText(self.tr("&Print") if direct else self.tr("&Print…"))
        self.print_to_button.setText(self.tr("Print &to…"))
        self.print_to_button.setVisible(direct)
        self.save_button.setText(self.tr("&Save as PDF…"))
        if self.pdf is None:
            self.status.setText(self.tr("Preparing the receipt…"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _set_ready(self, ready: bool) -> None:
        # The shortcut too: a second Ctrl+P while a job is on its way would print twice.
        self.print_shortcut.setEnabled(ready)
        self.print_button.setEnabled(ready)
        self.print_to_button.setEnabled(ready)
        self.save_button.setEnabled(ready)

    def _on_rendered(self, result: tuple[bytes, str]) -> None:
        pdf, self._request_id = result
        self.pdf = pdf
        for image in pdf_page_images(pdf, 96 * self.devicePixelRatioF()):
            label = QLabel(self.pages)
            label.setObjectName("receiptPage")
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self.devicePixelRatioF())
            label.setPixmap(pixmap)
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.pages_layout.addWidget(label)
        self.status.clear()
        self._set_ready(True)
        self.print_button.setFocus()

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ReceiptFontError):
            self.status.setText(fill(self.tr("The receipt cannot be drawn: %1"), exc))
            return
        raise exc

    def _record(self, what: str) -> None:
        record_receipt(self.store, self.actor.username, self._request_id, copy=self.copy,
                       how=what)

    def print_to(self, printer: QPrinter) -> None:
        """Print on the printer chosen in Qt's dialog (or set up by a caller)."""
        assert self.pdf is not None
        native = printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
        if native and cups_available():
            self.send_to(printer.printerName(), copies=printer.copyCount())
            return
        try:
            pages = print_with_qt(self.pdf, printer)
        except PrintError as exc:
            self.status.setText(exc.text(_language()))
            return
        self._record("print")
        self.status.setText(self.tr("Sent to the printer (%n page(s)).", "", pages))

    def send_to(self, printer: str, *, copies: int = 1) -> None:
        """Send the PDF itself to the CUPS queue ``printer`` (in a worker: it asks CUPS for
        the printer's paper first); the outcome shows in the status line."""
        assert self.pdf is not None
        pdf, title = self.pdf, f"receipt {self.number}"
        self._set_ready(False)
        self.status.setText(self.tr("Printing…"))

        def sent(_job: object) -> None:
            self._set_ready(True)
            self._record("print")
            self.status.setText(fill(self.tr("Sent to the printer %1."), printer))
            self.printed += 1

        def failed(exc: BaseException) -> None:
            self._set_ready(True)
            if not isinstance(exc, PrintError):
                raise exc
            self.status.setText(exc.text(_language()))
            self.print_failures += 1

        workers.run_task(lambda: print_pdf(pdf, printer, title=title, copies=copies),
                         sent, failed)

    def print_receipt(self) -> None:
        """One key: straight to the configured receipt printer, else through the dialog."""
        if self.pdf is None:
            return
        configured = self.store.settings.receipt_printer
        if configured and cups_available():
            self.send_to(configured)
        elif configured:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setPrinterName(configured)
            self.print_to(printer)
        else:
            self.choose_printer()

    def choose_printer(self) -> None:
        """Qt's print dialog, opened on the receipt's own paper and the configured printer."""
        if self.pdf is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if self.store.settings.receipt_printer:
            printer.setPrinterName(self.store.settings.receipt_printer)
        printer.setFullPage(True)
        printer.setPageLayout(receipt_page_layout(paper_of(self.pdf)))
        self.print_dialog = QPrintDialog(printer, self)
        if self.print_dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                self.print_to(printer)
            except OSError as exc:
                self.status.setText(fill(self.tr("Printing failed: %1"), exc))

    def save_to(self, path: Path) -> None:
        assert self.pdf is not None
        path.write_bytes(self.pdf)
        self._record("save")
        self.status.setText(fill(self.tr("Saved to %1"), ltr(path)))

    def save_receipt(self) -> None:
        suggested = f"receipt-{self.number}{'-copy' if self.copy else ''}.pdf"
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save receipt"), suggested, self.tr("PDF files (*.pdf)")
        )
        if name:
            try:
                self.save_to(Path(name))
            except OSError as exc:
                self.status.setText(
                    fill(self.tr("Saving failed: %1"), exc.strerror or exc)
                )
