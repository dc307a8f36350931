"""Hostile JSON and attachment paths: deep nesting, huge numbers, FIFOs, devices, paths out of
the import file's folder, invisible characters. The command reports, never tracebacks or
hangs; an import reports the bad line and imports the rest."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import crafted
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tawasul_desktop.domain.catalogue import ExtraField
from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.intake_json import (
    MAX_DEPTH,
    OutsideFolder,
    confined_path,
    draft_from_json,
    parse_json_text,
)
from tawasul_desktop.domain.text_rules import check_description, check_field
from tawasul_desktop.storage.importer import import_lines
from tawasul_desktop.storage.users import Actor

REPO = Path(__file__).resolve().parents[2]
ACTOR = Actor("hostile", "clerk")
NOW = dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC)
DESCRIPTION = "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات"
DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
HUGE_NUMBER = '{"service": "passport", "counter": ' + "9" * 5001 + "}"


def request(id_number: str, id_path: str = "id.pdf") -> dict:
    return {
        "service": "passport",
        "applicant": {"name": "أحمد محمد القحطاني", "id_number": id_number,
                      "mobile": "0501234567", "email": "a@example.com"},
        "relation": "self",
        "description": DESCRIPTION,
        "fields": {"passport_action": "renew"},
        "attachments": [{"document": "national_id_copy", "path": id_path},
                        {"document": "personal_photo", "path": "photo.png"}],
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    base = tmp_path / "import"
    base.mkdir()
    (base / "id.pdf").write_bytes(crafted.pdf())
    (base / "photo.png").write_bytes(crafted.image("PNG"))
    return base


@pytest.fixture
def clerk_account(tmp_path: Path) -> None:
    """The OS account running the tests acts as a registered clerk in run_cli's database."""
    from tawasul_desktop.cli.identity import os_account
    from tawasul_desktop.config import load_settings
    from tawasul_desktop.storage.os_accounts import map_account
    from tawasul_desktop.storage.store import Store
    from tawasul_desktop.storage.users import add_user

    setup = Actor("setup", "admin")
    settings = load_settings(config_file=tmp_path / "none.toml", db=tmp_path / "cli.sqlite3",
                             data_dir=tmp_path / "data")
    with Store.open(settings) as store, store.write() as session:
        add_user(session, setup, "hostile.clerk", "clerk", "long password 1",
                 store.policy.security)
        map_account(session, setup, os_account(), "hostile.clerk")


def run_cli(tmp_path: Path, *args: str, stdin: str = "", timeout: float = 60):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    # The run's own machine folder; a named configuration file must exist.
    env["TAWASUL_SITE_CONFIG_DIR"] = os.environ["TAWASUL_SITE_CONFIG_DIR"]
    (tmp_path / "none.toml").touch()
    env.update(TAWASUL_DB=str(tmp_path / "cli.sqlite3"), TAWASUL_DATA_DIR=str(tmp_path / "data"),
               TAWASUL_CONFIG=str(tmp_path / "none.toml"), PYTHONPATH=str(REPO),
               PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "tawasul_desktop.cli.main", *args],
                          input=stdin, capture_output=True, text=True, encoding="utf-8",
                          cwd=tmp_path, env=env, timeout=timeout)


# --- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    (DEEP, "input.too_deep"),
    (DEEP_OBJECT, "input.too_deep"),
    ("[" * 100_000, "input.too_deep"),
    ("[" * 40 + "]" * 40, "input.too_deep"),
    (HUGE_NUMBER, "input.number_too_long"),
    ('{"x": 1' + "0" * 100 + '.5}', "input.number_too_long"),
    ('{"x": ', "input.bad_json"),
])
def test_parse_refuses_with_a_problem(text, code):
    value, problem = parse_json_text(text)
    assert value is None and problem is not None and problem.code == code
    assert problem.message_ar and problem.message_en


def _nested(depth: int, kinds: str) -> str:
    """``depth`` levels, the i-th an object or a list as ``kinds`` (cycled) says."""
    opens = [('{"a":', "}") if kinds[i % len(kinds)] == "o" else ("[", "]") for i in range(depth)]
    return "".join(o for o, _ in opens) + "1" + "".join(c for _, c in reversed(opens))


@pytest.mark.parametrize("kinds", ["o", "l", "ol", "llo"])
@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1])
def test_depth_counts_objects_and_lists_alike(depth, kinds):
    value, problem = parse_json_text(_nested(depth, kinds))
    if depth > MAX_DEPTH:
        assert value is None and problem is not None and problem.code == "input.too_deep"
    else:
        assert problem is None and value is not None


def test_brackets_inside_strings_are_not_depth():
    text = json.dumps({"a": "[" * 40 + "{" * 40, "b": [["x"]]})
    value, problem = parse_json_text(text)
    assert problem is None and value["b"] == [["x"]]


def test_parse_accepts_a_request():
    value, problem = parse_json_text(json.dumps(request("1000000008")))
    assert problem is None and value["service"] == "passport"


@pytest.mark.parametrize("text", [DEEP, HUGE_NUMBER])
def test_submit_reports_without_traceback(tmp_path, text):
    (tmp_path / "bad.json").write_text(text, encoding="utf-8")
    ran = run_cli(tmp_path, "request", "submit", "bad.json")
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr + ran.stdout
    assert "could not be read" in ran.stderr + ran.stdout


def test_import_reports_bad_lines_and_imports_the_rest(store, folder):
    lines = [
        json.dumps(request(make_identity("1", "70000001")), ensure_ascii=False),
        DEEP,
        HUGE_NUMBER,
        DEEP_OBJECT,
        json.dumps(request(make_identity("1", "70000002")), ensure_ascii=False),
    ]
    report = import_lines(store, ACTOR, lines, folder, now=NOW)
    assert report.imported == 2
    assert {f.line: f.problems[0].code for f in report.failed} == {
        2: "input.too_deep", 3: "input.number_too_long", 4: "input.too_deep"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=3),
    max_leaves=20,
)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(value=json_values, depth=st.integers(min_value=0, max_value=1500),
       digits=st.integers(min_value=1, max_value=6000))
def test_any_json_line_is_imported_or_reported(store, folder, value, depth, digits):
    """Random JSON, wrapped in random depth and carrying a number of random length, as
    import lines around a valid one: every line is accounted for, none raises."""
    wrapped = "[" * depth + json.dumps(value) + "]" * depth
    number = '{"n": ' + "7" * digits + "}"
    lines = [wrapped, number, json.dumps(value)]
    report = import_lines(store, ACTOR, lines, folder, now=NOW)
    assert report.imported + report.skipped + len(report.failed) == 3
    value_back, problem = parse_json_text(wrapped)
    assert (problem is None) == (depth + _depth(value) <= MAX_DEPTH)


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


# --- files that are not files ----------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_attachment_is_refused_not_waited_for(tmp_path, folder, clerk_account):
    os.mkfifo(folder / "pipe.pdf")
    obj = request("1000000008", id_path="pipe.pdf")
    (folder / "req.json").write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    ran = run_cli(tmp_path, "request", "submit", str(folder / "req.json"), "--json", timeout=60)
    assert ran.returncode == 2, ran.stderr
    codes = {e["code"] for e in json.loads(ran.stdout)["errors"]}
    assert "attachment.not_a_file" in codes


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "."])
def test_devices_and_folders_are_not_read(folder, path):
    if not Path(path).exists():
        pytest.skip(f"{path} does not exist here")
    obj = request("1000000008", id_path=path)
    draft, _ = draft_from_json(obj, folder, 10_000_000)
    assert draft.attachments[0].content is None
    assert draft.attachments[0].refusal == "attachment.not_a_file"


# --- paths out of the import file's folder ---------------------------------------------------


def _outside_cases(tmp_path: Path, folder: Path) -> dict[str, str]:
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(crafted.pdf())
    (folder / "link.pdf").symlink_to(outside)
    (folder / "sub").mkdir()
    return {"absolute": str(outside), "dotdot": "../secret.pdf",
            "deeper dotdot": "sub/../../secret.pdf", "symlink": "link.pdf"}


@pytest.mark.parametrize("case", ["absolute", "dotdot", "deeper dotdot", "symlink"])
def test_import_refuses_paths_outside_its_folder(store, tmp_path, folder, case):
    path = _outside_cases(tmp_path, folder)[case]
    line = json.dumps(request(make_identity("1", "71000001"), id_path=path), ensure_ascii=False)
    report = import_lines(store, ACTOR, [line], folder, now=NOW)
    assert report.imported == 0
    assert [p.code for p in report.failed[0].problems] == ["attachment.outside_folder"]
    allowed = import_lines(store, ACTOR, [line], folder, now=NOW, allow_outside=True)
    assert allowed.imported == 1


@pytest.mark.skipif(os.name != "posix", reason="symbolic links to folders: POSIX")
def test_confined_paths_through_folder_links(tmp_path, folder):
    """A path is walked part by part only while no part is a link or ``..``; from there on
    it is resolved: a folder link leading out is refused, one staying in is followed."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.pdf").write_bytes(crafted.pdf())
    (folder / "out").symlink_to(elsewhere)
    (folder / "docs").mkdir()
    (folder / "docs" / "scan.pdf").write_bytes(crafted.pdf())
    (folder / "in").symlink_to(folder / "docs")
    (folder / "docs" / "again.pdf").symlink_to(folder / "docs" / "scan.pdf")
    base = folder.resolve()
    for raw in ("out/secret.pdf", "docs/../out/secret.pdf", "in/../../elsewhere/secret.pdf"):
        with pytest.raises(OutsideFolder):
            confined_path(Path(raw), base, base_resolved=True)
    for raw in ("id.pdf", "docs/scan.pdf", "in/scan.pdf", "docs/again.pdf", "./docs/scan.pdf",
                "docs/../id.pdf", "missing/none.pdf", "docs", ""):
        assert confined_path(Path(raw), base, base_resolved=True) == (base / raw).resolve(), raw


@pytest.mark.skipif(os.name != "posix", reason="symbolic links and FIFOs: POSIX")
def test_plainly_written_paths_read_as_through_path(tmp_path, folder, monkeypatch):
    """draft_from_json takes a plainly written relative path ("a.pdf", "docs/a.pdf") without
    Path objects; every writing, plain or not, gives the same attachments (name, bytes,
    error, refusal) as when every path goes through Path and confined_path."""
    from tawasul_desktop.domain import intake_json

    _outside_cases(tmp_path, folder)
    (folder / "docs").mkdir()
    (folder / "docs" / "scan.pdf").write_bytes(crafted.pdf())
    (folder / "docs" / "again.pdf").symlink_to(folder / "docs" / "scan.pdf")
    (folder / "in").symlink_to(folder / "docs")
    (folder / "dangling.pdf").symlink_to(folder / "nowhere.pdf")
    (folder / "empty.pdf").write_bytes(b"")
    os.mkfifo(folder / "pipe.pdf")
    (folder / "big.pdf").write_bytes(b"%PDF" + b"0" * 2000)
    paths = ["id.pdf", "photo.png", "docs/scan.pdf", "docs/again.pdf", "in/scan.pdf",
             "link.pdf", "dangling.pdf", "missing.pdf", "docs/missing.pdf", "docs", "sub",
             "pipe.pdf", "empty.pdf", "big.pdf", "id.pdf/x", "../secret.pdf",
             "sub/../../secret.pdf", "docs/../id.pdf", "./id.pdf", "docs//scan.pdf",
             "docs/scan.pdf/", "docs\\scan.pdf", "/dev/zero", str(folder / "id.pdf"), "", ".",
             "..", "id.pdf\x00", "عربي.pdf", " id.pdf", "~/id.pdf"]
    obj = {"attachments": [{"document": "d", "path": p} for p in paths]}

    def attachments() -> list[tuple[object, ...]]:
        draft, problems = draft_from_json(obj, folder, 1000, confine=True,
                                          resolved_base=folder.resolve())
        assert not problems
        return [(a.name, a.content, a.read_error, a.refusal) for a in draft.attachments]

    plain = attachments()
    with monkeypatch.context() as patch:
        patch.setattr(intake_json, "_plain_parts", lambda raw: None)
        through_path = attachments()
    assert plain == through_path
    assert plain[0][1] == crafted.pdf() and plain[2][1] == crafted.pdf()
    assert {a[3] for a in plain} >= {"attachment.outside_folder", "attachment.not_a_file"}


def test_import_cli_refuses_then_allows_outside(tmp_path, folder, clerk_account):
    _outside_cases(tmp_path, folder)
    line = json.dumps(request(make_identity("1", "72000001"), id_path="../secret.pdf"),
                      ensure_ascii=False)
    (folder / "backlog.jsonl").write_text(line + "\n", encoding="utf-8")
    refused = run_cli(tmp_path, "request", "import", str(folder / "backlog.jsonl"), "--json")
    assert refused.returncode == 2
    assert refused.stdout and json.loads(refused.stdout)["imported"] == 0
    assert "attachment.outside_folder" in refused.stdout
    allowed = run_cli(tmp_path, "request", "import", str(folder / "backlog.jsonl"),
                      "--allow-outside", "--json")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert json.loads(allowed.stdout)["imported"] == 1


# --- invisible characters --------------------------------------------------------------------

INVISIBLE = ["\U000e0041\U000e0042", "\u00ad", "\u2060", "\ue000", "\U000f0001", "\u200b"]


@pytest.mark.parametrize("hidden", INVISIBLE)
def test_descriptions_and_fields_lose_invisible_characters(hidden):
    described = check_description(DESCRIPTION[:20] + hidden + DESCRIPTION[20:])
    assert described == DESCRIPTION
    spec = ExtraField(code="note", label_ar="ملاحظة", label_en="Note", type="text",
                      required=False)
    assert check_field(spec, "abc" + hidden + "def", "fields.note") == "abcdef"


@given(st.text(alphabet=st.characters(min_codepoint=0xE0000, max_codepoint=0xE007F), min_size=1))
def test_tag_characters_never_survive(tags):
    assert not any(0xE0000 <= ord(c) <= 0xE007F for c in str(check_description(DESCRIPTION + tags)))
