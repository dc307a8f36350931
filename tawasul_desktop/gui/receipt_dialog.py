"""Preview, print and save a request's receipt (a reprint is marked as a copy).

The PDF is made by the Qt-free receipts module in a worker thread; pages are rasterised
with PDFium for the preview and the printer, so what is printed is exactly the saved PDF.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
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

from tawasul_desktop.domain.bidi import fill, ltr
from tawasul_desktop.gui import workers
from tawasul_desktop.receipts import ReceiptFontError
from tawasul_desktop.receipts.for_request import receipt_pdf_bytes
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.requests import get_request
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

log = logging.getLogger(__name__)


def pdf_page_images(pdf: bytes, dpi: float) -> list[QImage]:
    """Rasterise every page of a PDF at ``dpi`` (PDFium; works the same on Windows and Linux)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
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


def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Paint each page, scaled to the printable area, keeping its proportions; return pages."""
    pages = pdf_page_images(pdf, min(printer.resolution(), 300))
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        for number, page in enumerate(pages):
            if number:
                printer.newPage()
            area = painter.viewport()
            scaled = page.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(
                area.x(),
                area.y(),
                page.scaled(
                    scaled,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                ),
            )
    finally:
        painter.end()
    return len(pages)


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
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveReceiptButton")
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self.print_receipt)
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
        self.print_button.setText(self.tr("&Print…"))
        self.save_button.setText(self.tr("&Save as PDF…"))
        if self.pdf is None:
            self.status.setText(self.tr("Preparing the receipt…"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _set_ready(self, ready: bool) -> None:
        self.print_button.setEnabled(ready)
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
        with self.store.write() as session:
            AuditLog(session).record(
                self.actor.username,
                "receipt.print",
                "request",
                self._request_id,
                None,
                {"how": what, "copy": self.copy},
            )

    def print_to(self, printer: QPrinter) -> None:
        assert self.pdf is not None
        pages = print_pdf(self.pdf, printer)
        self._record("print")
        self.status.setText(self.tr("Sent to the printer (%n page(s)).", "", pages))

    def print_receipt(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if self.store.settings.receipt_printer:  # the configured one is offered first
            printer.setPrinterName(self.store.settings.receipt_printer)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
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
