"""First-run set-up (ui/setup.ui): the centre, the counter, where the data lives, how receipts
print, the central database, and the first administrator.

The values are written to the configuration file (``config_writer.update_config_file``: the
same rules that read the file check them, and an invalid value names its key); then, in a
worker, the store in the chosen data folder is opened (created and migrated) and the first
administrator is created there with the core's user rules. Nothing is written until every
value is valid. Shown by ``tawasul-desktop`` when neither a configuration file nor a
database exists yet, or on ``--setup``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.config import ConfigError, Settings, load_settings, setting
from tawasul_desktop.domain.bidi import fill, ltr
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.gui import workers
from tawasul_desktop.gui.forms import child, load_form

log = logging.getLogger(__name__)
RECEIPT_FORMATS = setting("receipt", "format").choices


def printer_names() -> list[str]:
    """The printers the system knows (none without a print system)."""
    try:
        from PySide6.QtPrintSupport import QPrinterInfo

        return list(QPrinterInfo.availablePrinterNames())
    except ImportError:  # pragma: no cover - QtPrintSupport is part of PySide6-Essentials
        return []


def prepare_store(settings: Settings, username: str, password: str,
                  display_name: str) -> bool:
    """Run in a worker: open (create, migrate) the store; create the first administrator
    unless one exists. Returns whether the account was created."""
    from tawasul_desktop.gui.session import create_first_admin, needs_first_admin
    from tawasul_desktop.storage.store import Store

    with Store.open(settings) as store:
        if not needs_first_admin(store):
            return False
        create_first_admin(store, username, password, display_name)
        return True


class SetupDialog(QDialog):
    """Asks for the settings; ``accept``s once they are saved and the store is ready."""

    saved = Signal(object)  # Settings

    def __init__(self, config_file: Path, defaults: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.config_file = config_file
        self.settings: Settings | None = None
        self.admin_created: bool | None = None
        self._problem = ""
        self.form = load_form("setup", self)
        self.centre_code: QLineEdit = child(self.form, QLineEdit, "centreCodeEdit")
        self.name_ar: QLineEdit = child(self.form, QLineEdit, "centreNameArEdit")
        self.name_en: QLineEdit = child(self.form, QLineEdit, "centreNameEnEdit")
        self.counter: QSpinBox = child(self.form, QSpinBox, "counterSpin")
        self.data_dir: QLineEdit = child(self.form, QLineEdit, "dataDirEdit")
        self.data_dir_button: QPushButton = child(self.form, QPushButton, "dataDirButton")
        self.receipt_format: QComboBox = child(self.form, QComboBox, "receiptFormatCombo")
        self.printer: QComboBox = child(self.form, QComboBox, "printerCombo")
        self.central_dsn: QLineEdit = child(self.form, QLineEdit, "centralDsnEdit")
        self.username: QLineEdit = child(self.form, QLineEdit, "usernameEdit")
        self.display_name: QLineEdit = child(self.form, QLineEdit, "displayNameEdit")
        self.password: QLineEdit = child(self.form, QLineEdit, "passwordEdit")
        self.repeat: QLineEdit = child(self.form, QLineEdit, "repeatEdit")
        self.file_label: QLabel = child(self.form, QLabel, "configFileLabel")
        self.message: QLabel = child(self.form, QLabel, "messageLabel")
        child(self.form, QLabel, "titleLabel").setProperty("role", "title")
        self.message.setProperty("role", "error")
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.setObjectName("setupButtons")
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("setupSaveButton")
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.data_dir_button.clicked.connect(self.choose_data_dir)
        self.counter.setLocale(QLocale.c())  # ASCII digits, as everywhere in the program
        for field in (self.centre_code, self.data_dir, self.central_dsn, self.username,
                      self.name_en):  # Latin text and paths read left to right
            field.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.receipt_format.addItems(RECEIPT_FORMATS)
        self.printer.addItem("")
        self.printer.addItems(printer_names())

        defaults = defaults or load_settings(config_file)
        self.centre_code.setText(defaults.centre_code)
        self.name_ar.setText(defaults.centre_name_ar)
        self.name_en.setText(defaults.centre_name_en)
        self.counter.setValue(defaults.counter)
        self.data_dir.setText(str(defaults.data_dir))
        self.receipt_format.setCurrentText(defaults.receipt_format)
        self.printer.setCurrentText(defaults.receipt_printer or "")
        self.central_dsn.setText(defaults.central_dsn or "")
        self._retranslate()

    def choose_data_dir(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Data folder"),
                                                  self.data_dir.text())
        if chosen:
            self.data_dir.setText(chosen)

    def changes(self) -> dict[str, dict[str, object]]:
        """What goes into the configuration file (empty texts remove their key)."""
        return {
            "centre": {"code": self.centre_code.text().strip(),
                       "name_ar": self.name_ar.text().strip(),
                       "name_en": self.name_en.text().strip(),
                       "counter": self.counter.value()},
            "storage": {"data_dir": self.data_dir.text().strip()},
            "receipt": {"format": self.receipt_format.currentText(),
                        "printer": self.printer.currentText().strip()},
            "central": {"dsn": self.central_dsn.text().strip()},
        }

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        from tawasul_desktop.config_writer import check_config_changes, update_config_file
        from tawasul_desktop.storage.users import check_new_user

        username, password = self.username.text().strip(), self.password.text()
        if not self.data_dir.text().strip():
            return self._show(self.tr("Choose the data folder."))
        if password != self.repeat.text():
            return self._show(self.tr("The two passwords differ."))
        try:
            candidate = check_config_changes(self.config_file, self.changes())
            check_new_user(username, "admin", password, candidate.policy.security)
            settings = update_config_file(self.config_file, self.changes())
        except TawasulError as exc:
            return self._show(exc.problems[0].text(self._language()))
        except ConfigError as exc:
            return self._show(str(exc))
        except OSError as exc:
            return self._show(f"{self.config_file}: {exc.strerror or exc}")
        self.settings = settings
        self.save_button.setEnabled(False)
        self._show(self.tr("Saved. Preparing the database…"), error=False)
        display_name = self.display_name.text().strip()
        workers.run_task(lambda: prepare_store(settings, username, password, display_name),
                         self._prepared, self._failed)

    def _prepared(self, created: bool) -> None:
        self.admin_created = created
        self.password.clear()
        self.repeat.clear()
        assert self.settings is not None
        self.saved.emit(self.settings)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        log.error("set-up could not prepare the database", exc_info=exc)
        if isinstance(exc, TawasulError):
            self._show(exc.problems[0].text(self._language()))
        else:
            self._show(fill(self.tr("The database could not be prepared: %1"), exc))

    def _language(self) -> str:
        from PySide6.QtWidgets import QApplication

        return "ar" if QApplication.layoutDirection().name == "RightToLeft" else "en"

    def _show(self, text: str, *, error: bool = True) -> None:
        self._problem = text
        self.message.setProperty("role", "error" if error else "hint")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.show()

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Set up Tawasul Desk"))
        self.file_label.setText(fill(self.tr("Configuration file: %1"), ltr(self.config_file)))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
