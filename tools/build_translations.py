"""Rebuild the interface translations: extract strings, then compile .ts → .qm.

    python tools/build_translations.py           # lupdate (keeps translations) + lrelease
    python tools/build_translations.py --release # lrelease only (what a build needs)

Sources are the GUI package (``self.tr``) and the Designer forms in ``ui/``; no source
locations are kept, so a .ts file changes only when a text does. Translators edit
``resources/translations/tawasul_ar.ts`` with Qt Linguist; both .ts and .qm are committed so
that a plain ``pip install .`` needs no Qt tools.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("ar", "en")


def _tool(name: str) -> str:
    found = shutil.which(f"pyside6-{name}") or shutil.which(name)
    if found is None:
        sys.exit(f"{name} not found: install PySide6 (it ships pyside6-{name})")
    return found


def sources() -> list[str]:
    files = sorted((ROOT / "tawasul_desktop" / "gui").rglob("*.py")) + sorted(
        (ROOT / "ui").glob("*.ui"))
    return [str(f.relative_to(ROOT)) for f in files]


def update() -> None:
    for language in LANGUAGES:
        ts = TRANSLATIONS / f"tawasul_{language}.ts"
        subprocess.run([_tool("lupdate"), "-no-obsolete", "-locations", "none",
                        "-target-language", language, *sources(), "-ts", str(ts.relative_to(ROOT))],
                       cwd=ROOT, check=True)


def release() -> None:
    # qt_extra_<lang>.ts: Qt's own dialog strings its catalogue lacks, written by hand (never
    # extracted by lupdate), compiled beside ours.
    for ts in [TRANSLATIONS / f"tawasul_{language}.ts" for language in LANGUAGES] + sorted(
            TRANSLATIONS.glob("qt_extra_*.ts")):
        subprocess.run([_tool("lrelease"), str(ts), "-qm", str(ts.with_suffix(".qm"))],
                       cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", action="store_true", help="only compile .ts to .qm")
    args = parser.parse_args()
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    if not args.release:
        update()
    release()


if __name__ == "__main__":
    main()
