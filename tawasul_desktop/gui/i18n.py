"""The interface language: Qt translators, layout direction and the font with Arabic coverage.

Our strings are English in code (``self.tr``) and translated from ``resources/translations``
(``tawasul_<lang>.qm``, built from the ``.ts`` files by ``tools/build_translations.py``);
Qt's own ``qtbase_<lang>.qm`` translates the standard dialogs and buttons, and our
``qt_extra_<lang>.qm`` the few strings of them it lacks. The layout
direction follows the language for the whole application, never per widget.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, Qt, QTranslator, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from tawasul_desktop.assets import resource

log = logging.getLogger(__name__)

LANGUAGES = ("ar", "en")
# Fonts with Arabic coverage first (Debian fonts-noto-core; on Windows Segoe UI and Tahoma,
# in %WINDIR%\Fonts), then a Latin face for the rest.
_ARABIC_FAMILIES = ("Noto Sans Arabic UI", "Noto Sans Arabic", "Noto Naskh Arabic",
                    "Noto Kufi Arabic", "DejaVu Sans", "Segoe UI", "Tahoma")
_LATIN_FAMILIES = ("Noto Sans", "DejaVu Sans", "Liberation Sans")


def interface_font(language: str, point_size: float = 10.5) -> QFont:
    """A font whose fallback list covers Arabic and Latin, chosen from what is installed."""
    installed = set(QFontDatabase.families())
    arabic = [f for f in _ARABIC_FAMILIES if f in installed]
    latin = [f for f in _LATIN_FAMILIES if f in installed]
    families = arabic + latin if language == "ar" else latin + arabic
    font = QFont(QApplication.font())
    if families:
        font.setFamilies(families)
    else:
        log.warning("no font with Arabic coverage found; using the system default")
    font.setPointSizeF(point_size)
    return font


class LanguageManager(QObject):
    """Installs the translators for one language at a time; emits ``changed`` after a switch.

    Installing a translator makes Qt send LanguageChange to every widget, which retranslates
    itself (changeEvent); Designer forms retranslate through QUiLoader.
    """

    changed = Signal(str)

    @classmethod
    def for_app(cls, app: QApplication) -> LanguageManager:
        """The one manager of this application (translators are application-wide)."""
        existing = app.findChild(LanguageManager, "languageManager")
        return existing if isinstance(existing, LanguageManager) else cls(app)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName("languageManager")
        self._app = app
        self._installed: list[QTranslator] = []
        self.language = ""

    def _load(self, name: str, folder: str) -> QTranslator | None:
        translator = QTranslator(self)
        if translator.load(name, folder):
            return translator
        return None

    def apply(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        if language == self.language:
            return
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed = []
        wanted = [(f"tawasul_{language}", str(resource("translations")))]
        if language != "en":
            wanted.append((f"qtbase_{language}",
                           QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)))
            # What Qt's catalogue lacks for its dialogs ("Look in:", "Files of type:"…).
            wanted.append((f"qt_extra_{language}", str(resource("translations"))))
        for name, folder in wanted:
            loaded = self._load(name, folder)
            if loaded is None:
                # English is the source language: an empty English catalogue is normal.
                (log.debug if language == "en" else log.warning)(
                    "translation %s not found in %s", name, folder)
                continue
            self._app.installTranslator(loaded)
            self._installed.append(loaded)
        self.language = language
        locale = QLocale(QLocale.Language.Arabic if language == "ar" else QLocale.Language.English,
                         QLocale.Country.SaudiArabia)
        # Digits stay ASCII as in the core's formatting, whatever the locale would pick.
        locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)
        QLocale.setDefault(locale)
        self._app.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if language == "ar" else Qt.LayoutDirection.LeftToRight
        )
        self._app.setFont(interface_font(language))
        self.changed.emit(language)
