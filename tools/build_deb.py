"""Build the Debian package of Tawasul Desk from the PyInstaller bundle.

    pyinstaller --noconfirm build.spec
    python tools/build_deb.py dist/tawasul-desktop [--out dist]

The package (``tawasul-desk_VERSION_ARCH.deb``) holds:

- the bundle in ``/opt/tawasul-desk/`` and ``tawasul`` and ``tawasul-desktop`` on the PATH
  (``/usr/bin`` links into it);
- the desktop entry and icon (``/usr/share/applications``, ``/usr/share/icons/hicolor``);
- ``tawasul-sync.service`` (systemd, not enabled), bash completion, the sample configuration
  and the README (``/usr/share/doc/tawasul-desk``);
- a post-install step that adds the ``tawasul`` group and user and the machine's data folder
  ``/var/lib/tawasul-desk`` (group-writable, setgid).

Only ``dpkg-deb`` is needed (files are owned by root in the package whoever builds it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "tawasul-desk"
PREFIX = Path("opt") / PACKAGE
# What the bundle's Qt and fonts need from the system (the rest is inside the bundle).
DEPENDS = ("libc6, libegl1, libgl1, libxkbcommon0, libxkbcommon-x11-0, libfontconfig1, "
           "libdbus-1-3, libglib2.0-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, "
           "fonts-noto-core, adduser")


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "tawasul_desktop" / "__init__.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()


def _copy(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def _normalise_modes(root: Path) -> None:
    """Installed files are the system's, readable by every account: folders 0755, programs
    0755, the rest 0644, whatever umask built the bundle (the programs run under 077)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path.stat().st_mode & 0o100 else 0o644)


def control(arch: str, size_kb: int) -> str:
    return (f"Package: {PACKAGE}\n"
            f"Version: {version()}\n"
            f"Architecture: {arch}\n"
            "Maintainer: Tawasul Desk team <tawasul-desk@localhost>\n"
            f"Installed-Size: {size_kb}\n"
            f"Depends: {DEPENDS}\n"
            "Section: misc\n"
            "Priority: optional\n"
            "Description: Tawasul Desk, the passports service counter desktop\n"
            " Takes Tawasul requests at a passports service counter, prints their\n"
            " receipts, and syncs them with the centre's central database. Includes\n"
            " the tawasul command line and a systemd service for the sync.\n")


def build(bundle: Path, out: Path) -> Path:
    if not (bundle / "tawasul-desktop").is_file() or not (bundle / "tawasul").is_file():
        raise SystemExit(f"{bundle} is not a built bundle (run pyinstaller build.spec)")
    arch = architecture()
    with tempfile.TemporaryDirectory(prefix="tawasul-deb-") as work:
        root = Path(work) / "root"
        shutil.copytree(bundle, root / PREFIX, symlinks=True)
        usr_bin = root / "usr" / "bin"
        usr_bin.mkdir(parents=True)
        for program in ("tawasul", "tawasul-desktop"):
            (usr_bin / program).symlink_to(Path("/") / PREFIX / program)
        share = root / "usr" / "share"
        _copy(ROOT / "resources" / "tawasul-desk.desktop",
              share / "applications" / "tawasul-desk.desktop")
        _copy(ROOT / "resources" / "icons" / "tawasul.png",
              share / "icons" / "hicolor" / "256x256" / "apps" / "tawasul-desk.png")
        doc = share / "doc" / PACKAGE
        _copy(ROOT / "resources" / "config.sample.toml", doc / "config.sample.toml")
        _copy(ROOT / "README.md", doc / "README.md")
        _copy(ROOT / "packaging" / "linux" / "tawasul-sync.service",
              root / "lib" / "systemd" / "system" / "tawasul-sync.service")
        completion = subprocess.run([str(bundle / "tawasul"), "completion", "bash"],
                                    capture_output=True, text=True, check=True,
                                    env={**os.environ, "TAWASUL_LOG_DIR": work})
        target = share / "bash-completion" / "completions" / "tawasul"
        target.parent.mkdir(parents=True)
        target.write_text(completion.stdout, encoding="utf-8")
        size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()
                   and not f.is_symlink())
        _normalise_modes(root)
        debian = root / "DEBIAN"
        debian.mkdir(mode=0o755)
        debian.chmod(0o755)
        (debian / "control").write_text(control(arch, size // 1024 + 1), encoding="utf-8")
        for script in ("postinst", "prerm"):
            _copy(ROOT / "packaging" / "linux" / script, debian / script, 0o755)
        out.mkdir(parents=True, exist_ok=True)
        package = out / f"{PACKAGE}_{version()}_{arch}.deb"
        # gzip, which every dpkg reads (zstd needs dpkg 1.21.18), at level 1: over the
        # bundle's ~280 MB the default level took 37 s against 5 s for 6 % more (146 MB
        # against 137 MB); xz takes minutes.
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(root),
                        str(package)], check=True, stdout=subprocess.DEVNULL)
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the tawasul-desk .deb from the bundle.")
    parser.add_argument("bundle", type=Path, help="the bundle folder (dist/tawasul-desktop)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist",
                        help="folder for the .deb (default dist/)")
    args = parser.parse_args(argv)
    print(build(args.bundle, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
