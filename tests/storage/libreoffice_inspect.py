"""Open a spreadsheet in LibreOffice (headless, through UNO) and print what it sees as JSON.

Run by the system's python3, which has LibreOffice's ``uno`` module (Debian python3-uno):
``python3 libreoffice_inspect.py FILE PROFILE_DIR``. A headless conversion keeps no view,
so whether the header is frozen is asked of a loaded document's controller.
"""

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    source, profile = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    pipe = f"tawasul-{uuid.uuid4().hex}"
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
         "--norestore", "--nologo", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 120
        while True:
            try:
                context = resolver.resolve(
                    f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.monotonic() > deadline or office.poll() is not None:
                    raise
                time.sleep(0.5)
        desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context)
        doc = desktop.loadComponentFromURL(source.as_uri(), "_blank", 0,
                                           (prop("Hidden", True),))
        sheet = doc.Sheets.getByIndex(0)
        controller = doc.CurrentController
        style = doc.StyleFamilies.getByName("PageStyles").getByName(sheet.PageStyle)
        used = sheet.createCursor()
        used.gotoEndOfUsedArea(False)
        last = used.RangeAddress.EndRow
        ods = source.with_suffix(".inspected.ods")
        doc.storeToURL(ods.as_uri(), (prop("FilterName", "calc8"),))
        report = {
            "frozen": bool(controller.hasFrozenPanes()),
            "split_row": controller.SplitRow,
            "split_column": controller.SplitColumn,
            "print_title_rows": bool(sheet.PrintTitleRows),
            "title_rows": [sheet.TitleRows.StartRow, sheet.TitleRows.EndRow],
            "landscape": bool(style.IsLandscape),
            "pages_wide": style.ScaleToPagesX,
            "right_to_left": bool(sheet.TableLayout == 1),
            "header": [sheet.getCellByPosition(c, 0).String for c in range(11)],
            "column": [sheet.getCellByPosition(2, r).String for r in range(1, last + 1)],
            "ods": str(ods),
        }
        doc.close(True)
        with contextlib.suppress(Exception):  # the bridge goes away as the office quits
            desktop.terminate()
        print(json.dumps(report, ensure_ascii=False))
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
            office.wait()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SAL_USE_VCLPLUGIN", "svp")
    sys.exit(main())
