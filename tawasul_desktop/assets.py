"""Locate the top-level asset folders (ui/, resources/) in a checkout or an installed wheel.

In a source checkout they sit beside the package; a wheel maps them into the package as
``assets_ui`` and ``assets_resources`` (see pyproject.toml); a PyInstaller bundle puts them
beside the executable under ``_internal``.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidates(top_name: str, mapped_name: str) -> list[Path]:
    found = [_PACKAGE_DIR / mapped_name, _PACKAGE_DIR.parent / top_name]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.insert(0, Path(bundle) / top_name)
    return found


@cache
def _locate(top_name: str, mapped_name: str) -> Path:
    for path in _candidates(top_name, mapped_name):
        if path.is_dir():
            return path
    raise FileNotFoundError(
        f"the {top_name}/ asset folder is missing; reinstall Tawasul Desk "
        f"(looked in: {', '.join(str(p) for p in _candidates(top_name, mapped_name))})"
    )


def resources_dir() -> Path:
    return _locate("resources", "assets_resources")


def ui_dir() -> Path:
    return _locate("ui", "assets_ui")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
