"""The Windows installer definition (packaging/windows/tawasul-desk.iss) and the version
resource build.spec gives the .exe files. Windows programs cannot be built here: this checks
what can be checked on Linux (files named exist, the version resource is well formed)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "packaging" / "windows" / "tawasul-desk.iss"


def test_the_installer_names_files_that_exist_and_reads_the_exe_version() -> None:
    text = ISS.read_text(encoding="utf-8")
    here = ISS.parent
    for name in re.findall(r'(?:SetupIconFile=|Source: ")([^"\r\n*]+)', text):
        if "{#Bundle}" in name:
            continue  # the bundle exists once built on Windows
        assert (here / name.replace("\\", "/")).exists(), name
    assert 'GetVersionNumbersString(Bundle + "\\tawasul-desktop.exe")' in text
    assert "AppId={{" in text and "PrivilegesRequired=admin" in text
    assert "{commonappdata}\\tawasul-desk" in text  # the machine's configuration folder


def test_build_spec_gives_both_programs_a_version_resource() -> None:
    """Read, not run: PyInstaller's version-resource module needs pefile, a Windows-only
    dependency of PyInstaller."""
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    source = re.search(r"^def version_resource.*?(?=^\S)", spec, re.S | re.M).group(0)
    compile(source, "build.spec", "exec")
    assert 'namespace["__version__"]' in source and "tawasul_desktop/__init__.py" in source
    for field in ("FileVersion", "ProductVersion", "OriginalFilename", "FileDescription"):
        assert f'StringStruct("{field}"' in source
    assert spec.count("version=version_resource(") == 2
    assert 'icon = str(ROOT / "resources/icons" / ("tawasul.ico" if WINDOWS' in spec
