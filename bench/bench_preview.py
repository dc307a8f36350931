"""Peak memory of the supervisor's attachment preview on hostile PDFs, before and after.

Each measurement runs in a fresh process (its peak resident size, ``ru_maxrss``, is what
the preview added to a process that has already imported Qt and PDFium and drawn one blank
A4 page: that process's peak is the baseline of the same run). "every page" is how the
preview drew before (every page at 60 dpi, then kept the first); "page 1" is preview_image
now (first page only, within PREVIEW_PIXELS).

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python bench/bench_preview.py [--pages 300]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import os, resource, sys, tempfile
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "hostile"))
import crafted
from PySide6.QtGui import QGuiApplication
from tawasul_desktop.config import load_settings
from tawasul_desktop.gui.receipt_dialog import pdf_page_images
from tawasul_desktop.gui.supervisor.detail import PREVIEW_DPI, preview_image
from tawasul_desktop.storage.store import Store

app = QGuiApplication(["bench"])
kind, way, pages = sys.argv[2], sys.argv[3], int(sys.argv[4])
content = {"a4": crafted.pdf(1), "bomb": crafted.pdf(1, "0 0 14400 14400"),
           "pages": crafted.pdf(pages)}[kind]
folder = tempfile.mkdtemp()
from pathlib import Path
store = Store.open(load_settings(Path(folder) / "none.toml",
                                 db=os.path.join(folder, "b.sqlite3"), data_dir=folder))
digest = store.blobs.put(content)
preview_image(store, store.blobs.put(crafted.pdf(1)), "application/pdf")  # warm up
if way == "every page":
    try:
        images = pdf_page_images(content, PREVIEW_DPI)
    except Exception:
        images = []
    shown = images[0] if images else None
else:
    shown = preview_image(store, digest, "application/pdf")
size = f"{shown.width()}x{shown.height()}" if shown is not None else "none"
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, size)
"""


def peak_mb(kind: str, way: str, pages: int) -> tuple[int, str]:
    ran = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), kind, way, str(pages)],
                         capture_output=True, text=True, check=True,
                         env=os.environ | {"PYTHONPATH": str(ROOT),
                                           "QT_QPA_PLATFORM": "offscreen"})
    mb, size = ran.stdout.split()
    return int(mb), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    baseline, _ = peak_mb("a4", "page 1", args.pages)
    print(f"baseline (one A4 page previewed): {baseline} MB peak")
    for kind, label in (("bomb", "one 14,400-point page (5 m square)"),
                        ("pages", f"{args.pages} A4 pages")):
        for way in ("every page", "page 1"):
            mb, size = peak_mb(kind, way, args.pages)
            print(f"{label:<36} {way:<11} {mb:>6} MB peak  +{mb - baseline:>5} MB "
                  f"({mb / baseline:.2f}x baseline)  preview {size}")


if __name__ == "__main__":
    main()
