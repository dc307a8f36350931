"""How fast the counter GUI starts, and how much memory a full intake leaves in use.

    python bench/bench_gui_start.py [--runs 5]

Cold start: a fresh interpreter until the sign-in screen is shown (median of several runs),
against a bare PySide6 window shown by the same interpreter in the same run. The counter
goes through the program's own start (``build_window`` without a store, as ``main`` does):
the sign-in window is painted first and the store opens in a worker behind it, so the time
until sign-in can go on (store open, workspace built) is reported too. Memory: RSS of a
process that signs in, takes one whole request through the wizard and submits it.
Prints figures only; no assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE = """
import time, sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
w = QLabel("bare"); w.show(); app.processEvents()
print(time.perf_counter())
"""

COUNTER = """
import time, sys
sys.path.insert(0, {root!r})
from tawasul_desktop.config import load_settings
from tawasul_desktop.gui.app import build_window, make_application
from pathlib import Path
folder = Path({folder!r})
settings = load_settings(folder / "absent.toml", db=folder / "store.sqlite3", data_dir=folder)
app = make_application(["bench"])
window = build_window(app, settings)
window.show(); app.processEvents()
assert window.stack.currentWidget() is window.login and window.login.isVisible()
shown = time.perf_counter()
while window.store is None:  # the store opens in a worker; wait until sign-in can go on
    app.processEvents()
    time.sleep(0.001)
ready = time.perf_counter()
assert not window.login.waiting and window.login.button.isEnabled() or window._first_run
print(shown, ready)
"""

INTAKE = """
import sys, resource
sys.path.insert(0, {root!r})
from pathlib import Path
from tawasul_desktop.config import load_settings
from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.gui.app import build_window, make_application
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor, add_user
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox
folder = Path({folder!r})
settings = load_settings(folder / "absent.toml", db=folder / "intake.sqlite3", data_dir=folder)
store = Store.open(settings)
with store.write() as s:
    add_user(s, Actor("bench", "admin"), "amal", "clerk", "bench-pass-1", store.policy.security)
dialogs.inform = lambda *a: None
app = make_application(["bench"])
window = build_window(app, settings, store)
window.show()
def settle():
    for _ in range(3):
        workers.wait_for_all(); QCoreApplication.processEvents()
window.login.username.setText("amal"); window.login.password.setText("bench-pass-1")
window.login.submit(); settle()
w = window.wizard
w.service_page.select("passport"); w.go_next()
d = w.details_page
d.edits["applicant.id_number"].setText(make_identity("1", "23456789"))
d.edits["applicant.name"].setText("Mohammed Ali"); d.edits["applicant.mobile"].setText("0501234567")
d.edits["applicant.email"].setText("m@example.com")
combo = d.form.findChild(QComboBox, "field_passport_action"); combo.setCurrentIndex(1)
d.description.setPlainText("word " * 12)
w.go_next()
pdf = folder / "a.pdf"; pdf.write_bytes(b"%PDF-1.4\\n" + b"0" * 200_000)
w.attachments_page.add_paths([str(pdf), str(pdf)]); w.go_next(); w.submit(); settle()
assert w._last is not None, "intake did not complete"
rss = 0
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        rss = int(line.split()[1]) // 1024
print(rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def timed(code: str) -> list[float]:
    """Seconds from starting the process to each time stamp it prints on its last line."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True)
    # perf_counter is system-wide monotonic on Linux, so the child's stamps are comparable.
    return [float(t) - start for t in done.stdout.strip().splitlines()[-1].split()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare, counter, usable = [], [], []
        start_code = COUNTER.format(root=str(ROOT), folder=f"{tmp}/start")
        first = timed(start_code)  # creates and migrates the store: reported apart
        for _ in range(args.runs):
            bare.append(timed(BARE)[0])
            shown, ready = timed(start_code)
            counter.append(shown)
            usable.append(ready)
        b, c = statistics.median(bare), statistics.median(counter)
        u = statistics.median(usable)
        print(f"bare PySide6 window:      median {b * 1000:7.0f} ms over {args.runs} runs")
        print(f"tawasul-desktop sign-in:  median {c * 1000:7.0f} ms over {args.runs} runs "
              "(window shown; existing store, fresh process)")
        print(f"store open, sign-in live: median {u * 1000:7.0f} ms (store opened in a worker, "
              "workspace built)")
        print(f"first start, new store:   {first[0] * 1000:7.0f} ms shown, "
              f"{first[1] * 1000:.0f} ms store created and migrated")
        print(f"ratio:                    {c / b:7.2f}x")
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        out = subprocess.run([sys.executable, "-c", INTAKE.format(root=str(ROOT), folder=tmp)],
                             capture_output=True, text=True, env=env, check=True)
        rss, peak = out.stdout.split()[-2:]
        print(f"memory after one full intake: RSS {rss} MB (peak {peak} MB)")


if __name__ == "__main__":
    main()
