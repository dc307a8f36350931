"""The package's shape: a Qt-free core, and a wheel that carries ui/ and resources/."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE_MODULES = [
    "tawasul_desktop.config",
    "tawasul_desktop.domain.validation",
    "tawasul_desktop.domain.timing",
    "tawasul_desktop.domain.hijri",
    "tawasul_desktop.storage.requests",
    "tawasul_desktop.storage.importer",
    "tawasul_desktop.storage.demo",
    "tawasul_desktop.cli.main",
    "tawasul_desktop.cli.commands",
    "tawasul_desktop.receipts",
]


def test_core_imports_without_qt() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}: importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(','.join(qt))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "", "DISPLAY": ""}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"core modules pulled in Qt: {result.stdout}"


@pytest.mark.slow
def test_wheel_carries_assets(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("tawasul_desktop-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "tawasul_desktop/assets_resources/catalogue/services.toml",
        "tawasul_desktop/assets_resources/texts/messages.toml",
        "tawasul_desktop/assets_resources/policy.toml",
        "tawasul_desktop/storage/migrations/env.py",
        "tawasul_desktop/storage/migrations/script.py.mako",
        "tawasul_desktop/storage/migrations/versions/0001_initial_schema.py",
        "tawasul_desktop/central/migrations/env.py",
        "tawasul_desktop/central/migrations/script.py.mako",
        "tawasul_desktop/central/migrations/versions/c0001_central_schema.py",
    }
    assert expected <= names, sorted(expected - names)
    for folder in ("ui", "resources"):
        on_disk = {
            p.relative_to(ROOT / folder).as_posix()
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        packaged = {
            n.split("/", 2)[2] for n in names if n.startswith(f"tawasul_desktop/assets_{folder}/")
        }
        assert on_disk <= packaged, sorted(on_disk - packaged)


# --- the rooms' arrows, read from the source ------------------------------------------------

PACKAGE = ROOT / "tawasul_desktop"
# Above the desk's storage: its sync engine and central's own code. Storage declares what it
# needs of them (storage.queue_backend) and is handed an implementation, never imports one.
ABOVE_STORAGE = ("tawasul_desktop.sync", "tawasul_desktop.central")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _core_modules() -> dict[str, Path]:
    """Every module of the package but the GUI's, by dotted name."""
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
            if "__pycache__" not in p.parts
            and p.relative_to(PACKAGE).parts[0] != "gui"}


def _type_only(tree: ast.Module) -> set[int]:
    """Ids of the import statements under ``if TYPE_CHECKING:`` (never run)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found.update(id(inner) for part in node.body for inner in ast.walk(part))
    return found


def _imports(path: Path, name: str, known: set[str], *,
             type_only: bool) -> set[tuple[str, int]]:
    """(module, line) of every import of ours in ``path``: at module level and inside
    functions alike, and those under ``TYPE_CHECKING`` if ``type_only``. ``from a import b``
    names ``a.b`` when that is a module, else ``a``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped = set() if type_only else _type_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add((full if full in known else base, node.lineno))
    return {(m, line) for m, line in found if m == "tawasul_desktop"
            or m.startswith("tawasul_desktop.")}


def _import_graph(*, type_only: bool) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """Module → the modules of ours it imports (``type_only``: also those imported only for
    type checking), and where each arrow is written."""
    modules = _core_modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    where: dict[str, list[str]] = {}
    for name, path in modules.items():
        graph[name] = set()
        for target, line in _imports(path, name, known, type_only=type_only):
            # An import of a GUI module or a package's parent is not followed.
            while target not in known and "." in target:
                target = target.rpartition(".")[0]
            if target in known and target != name:
                graph[name].add(target)
                where.setdefault(f"{name} -> {target}", []).append(
                    f"{path.relative_to(ROOT)}:{line}")
    return graph, where


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_storage_imports_nothing_above_it() -> None:
    """The desk's storage is below sync and central: no import of theirs, not even a lazy one
    inside a function or one only for type checking."""
    _, where = _import_graph(type_only=True)
    wrong = sorted(f"{arrow} ({', '.join(lines)})" for arrow, lines in where.items()
                   if arrow.startswith("tawasul_desktop.storage")
                   and arrow.split(" -> ")[1].startswith(ABOVE_STORAGE))
    assert wrong == [], "storage imports from above it:\n" + "\n".join(wrong)


def test_no_import_circles_outside_the_gui() -> None:
    """No module of the core needs, to be imported, a module that needs it: lazy imports
    inside functions count (they only hide a circle); imports for type checking alone do
    not (they never run, and are how a module names a type of one that imports it)."""
    graph, where = _import_graph(type_only=False)
    circles = _circles(graph)
    shown = []
    for members in circles:
        inside = set(members)
        arrows = sorted(f"  {arrow} ({', '.join(lines)})" for arrow, lines in where.items()
                        if set(arrow.split(" -> ")) <= inside)
        shown.append(" / ".join(members) + "\n" + "\n".join(arrows))
    assert circles == [], "import circles:\n" + "\n".join(shown)


def test_the_circle_finder_finds_circles() -> None:
    """The check above can fail: a made-up graph with one circle of three and a loose end."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert _circles(graph) == [["a", "b", "c"]]
