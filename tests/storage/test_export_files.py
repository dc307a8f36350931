"""Queue exports as files a supervisor opens and prints (storage/reports.py).

The workbook keeps its header frozen and filterable and prints landscape, one page wide, the
header on every page; exported files get the permissions of any file the user makes there.
LibreOffice (headless, as installed by .ci/run) opens the files: the header is frozen, the
Arabic reads back whole and printing repeats the header on each page.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from queue_data import insert_requests, request_row

from tawasul_desktop.storage.queue import QueueFilter, QueueQuery, QueueSort, SortKey
from tawasul_desktop.storage.reports import export_csv, export_headers, export_xlsx
from tawasul_desktop.storage.users import Actor

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=RIYADH)
BOSS = Actor("sara", "supervisor")
INSPECT = Path(__file__).with_name("libreoffice_inspect.py")
NAMES = ("فاطمة الزهراء", "عبدالله إبراهيم", "Maria Cruz", "نورة بنت سعد")


@pytest.fixture
def query(store):
    rows = [request_row(store, applicant_name=NAMES[i % len(NAMES)],
                        submitted_at=dt.datetime(2026, 11, 1 + i % 27, 10, tzinfo=RIYADH),
                        due_date=dt.date(2026, 12, 1 + i % 27))
            for i in range(240)]
    insert_requests(store, rows)
    return QueueQuery(store, BOSS, QueueFilter(), QueueSort(SortKey.SUBMITTED), now=NOW)


def test_the_workbook_freezes_filters_and_prints_one_page_wide(store, query, tmp_path):
    path = tmp_path / "queue.xlsx"
    assert export_xlsx(query, path, store.catalogue) == 240
    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:K241"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"


@pytest.mark.parametrize(("folder_mode", "expected"), [
    (0o755, 0o600),   # an ordinary folder: personal data stays the owner's
    (0o777, 0o600),   # open to all but not a team's: still the owner's
    (0o2770, 0o660),  # a team's shared folder (setgid): the group may open it
    (0o2750, 0o640),  # shared read-only with the group
    (0o775, 0o660),   # group-writable
])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_is_private_unless_saved_to_a_shared_folder(store, query, tmp_path, kind,
                                                              folder_mode, expected):
    folder = tmp_path / "out"
    folder.mkdir()
    folder.chmod(folder_mode)
    old = os.umask(0o000)  # the umask does not open an export to others
    try:
        path = folder / f"queue.{kind}"
        (export_csv if kind == "csv" else export_xlsx)(query, path, store.catalogue)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == expected


# --- LibreOffice, headless -----------------------------------------------------------------

def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    assert found, "LibreOffice is needed (.ci/run installs libreoffice-calc-nogui)"
    return found


def _convert(source: Path, to: str, out: Path) -> Path:
    out.mkdir(exist_ok=True)
    profile = out / "profile"  # a profile of its own: parallel runs never share one
    result = subprocess.run(
        [_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", to, "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=180, check=False)
    produced = out / f"{source.stem}.{to.split(':')[0]}"
    assert result.returncode == 0 and produced.exists(), result.stdout + result.stderr
    return produced


def _inspect(path: Path, tmp_path: Path) -> dict:
    """What LibreOffice sees in the workbook, asked through UNO by the system's python3."""
    _soffice()
    result = subprocess.run(
        ["/usr/bin/python3", str(INSPECT), str(path), str(tmp_path / "lo-profile")],
        capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, "python3-uno is needed (.ci/run installs it)\n" + \
        result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_libreoffice_opens_the_workbook_frozen_with_the_arabic_whole(store, query, tmp_path):
    path = tmp_path / "queue.xlsx"
    export_xlsx(query, path, store.catalogue)
    seen = _inspect(path, tmp_path)
    assert seen["frozen"] and (seen["split_row"], seen["split_column"]) == (1, 0)
    assert seen["print_title_rows"] and seen["title_rows"] == [0, 0]
    assert seen["landscape"] and seen["pages_wide"] == 1
    assert seen["right_to_left"]
    assert seen["header"] == export_headers("ar")
    assert len(seen["column"]) == 240 and set(seen["column"]) == set(NAMES)
    with zipfile.ZipFile(seen["ods"]) as z:
        assert 'table:display-filter-buttons="true"' in z.read("content.xml").decode()
    text = _convert(path, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path / "csv")
    with text.open(encoding="utf-8", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == export_headers("ar")
    assert {line[2] for line in lines[1:]} == set(NAMES)


def test_libreoffice_prints_the_header_on_every_page_one_page_wide(store, query, tmp_path):
    path = tmp_path / "queue.xlsx"
    export_xlsx(query, path, store.catalogue, language="en")
    pdf = _convert(path, "pdf", tmp_path / "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout)
    assert float(size.group(1)) > float(size.group(2))  # landscape
    assert 2 <= pages <= 8, pages  # 240 rows, one page wide (was dozens, portrait)
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout",
                               str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "Request number" in text and "Follow-ups" in text, (page, text[:400])
