"""Designer forms from the top-level ``ui/`` folder, loaded at run time with QUiLoader.

Loading at run time (rather than compiling with pyside6-uic) works unchanged from a checkout,
an installed wheel (``ui/`` is package data, found by ``tawasul_desktop.assets.ui_dir``) or a
bundle. Strings in the forms are translated with the form's class name as context, and the
loader retranslates them when the language changes.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QFile, QIODevice
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

from tawasul_desktop.assets import ui_dir

_loader: QUiLoader | None = None


def scrolled(widget: QWidget, name: str = "") -> QScrollArea:
    """``widget`` in a frameless scroll area: on a small screen (1024×768, or 150 % scaling)
    the page scrolls instead of pushing the window, and its buttons, off the screen."""
    area = QScrollArea()
    area.setObjectName(name or f"{widget.objectName() or 'page'}Scroll")
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def _the_loader() -> QUiLoader:
    global _loader
    if _loader is None:
        # Our forms use Qt's own widgets only. Without library paths while it is made, the
        # loader does not load Qt Designer's custom-widget plugins (with a full PySide6
        # install: Qt Quick and WebEngine), which would cost start-up time and memory.
        paths = QCoreApplication.libraryPaths()
        QCoreApplication.setLibraryPaths([])
        try:
            _loader = QUiLoader()
        finally:
            QCoreApplication.setLibraryPaths(paths)
        _loader.clearPluginPaths()
        _loader.setLanguageChangeEnabled(True)
        _loader.setTranslationEnabled(True)
    return _loader


def load_form(name: str, parent: QWidget | None = None) -> QWidget:
    """Build the widget tree of ``ui/<name>.ui`` under ``parent``."""
    path = ui_dir() / f"{name}.ui"
    handle = QFile(str(path))
    if not handle.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f"cannot open form {path}")
    try:
        widget = _the_loader().load(handle, parent)
    finally:
        handle.close()
    if widget is None:
        raise RuntimeError(f"form {path} could not be loaded: {_the_loader().errorString()}")
    return widget


def child(form: QWidget, kind: type, name: str):  # type: ignore[no-untyped-def]
    """A named widget of a form; a missing name is a programming error, said plainly."""
    found = form.findChild(kind, name)
    if found is None:
        raise LookupError(f"form {form.objectName()!r} has no {kind.__name__} named {name!r}")
    return found
