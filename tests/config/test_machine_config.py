"""One configuration for the machine: the machine's file, then the user's (config.py).

Every machine file here lives under ``tmp_path`` (named by argument or by
TAWASUL_SITE_CONFIG_DIR): nothing is written to /etc/xdg or another system folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tawasul_desktop import config
from tawasul_desktop.config import ConfigError, load_settings, site_config_file, site_data_dir

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "config.sample.toml"


@pytest.fixture
def files(tmp_path: Path, clean_env) -> tuple[Path, Path]:
    site = tmp_path / "etc" / "config.toml"
    user = tmp_path / "home" / "config.toml"
    site.parent.mkdir()
    user.parent.mkdir()
    return site, user


def test_the_user_file_overrides_the_machine_but_not_its_counter_or_data(files, tmp_path):
    site, user = files
    site.write_text('[centre]\ncode = "205"\ncounter = 7\n\n[storage]\n'
                    f'data_dir = "{tmp_path / "shared"}"\n\n[ui]\nlanguage = "en"\n'
                    '[receipt]\nformat = "a4"\n', encoding="utf-8")
    user.write_text('[centre]\ncounter = 3\n\n[storage]\ndata_dir = "/home/x/own"\n\n'
                    '[ui]\nlanguage = "ar"\n', encoding="utf-8")
    settings = load_settings(user, site_config=site)
    assert (settings.centre_code, settings.counter) == ("205", 7)
    assert settings.data_dir == tmp_path / "shared"
    assert settings.db_path == tmp_path / "shared" / "tawasul.sqlite3"
    assert settings.language == "ar" and settings.receipt_format == "a4"
    assert settings.site_config_file == site
    assert any(f"{user}: centre.counter is set for the whole machine in {site}" in w
               for w in settings.warnings), settings.warnings
    assert any("storage.data_dir" in w for w in settings.warnings)


def test_a_shared_machine_keeps_its_data_in_the_machine_folder(files):
    site, user = files
    site.write_text("[storage]\nshared = true\n", encoding="utf-8")
    settings = load_settings(user, site_config=site)
    assert settings.data_dir == site_data_dir()
    assert settings.data_dir != load_settings(user, site_config=site.with_name("no")).data_dir


def test_shared_in_a_user_file_is_refused(files):
    site, user = files
    user.write_text("[storage]\nshared = true\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="storage.shared belongs in the machine's file"):
        load_settings(user, site_config=site)


def test_the_machine_folder_comes_from_the_environment(files, monkeypatch):
    site, user = files
    monkeypatch.setenv("TAWASUL_SITE_CONFIG_DIR", str(site.parent))
    assert site_config_file() == site
    site.write_text("[centre]\ncounter = 12\n", encoding="utf-8")
    assert load_settings(user).counter == 12


def test_the_environment_and_arguments_still_win(files, monkeypatch, tmp_path):
    site, user = files
    site.write_text('[centre]\ncounter = 7\n[storage]\ndata_dir = "/nowhere"\n',
                    encoding="utf-8")
    monkeypatch.setenv("TAWASUL_COUNTER", "9")
    settings = load_settings(user, site_config=site, data_dir=tmp_path / "d")
    assert settings.counter == 9 and settings.data_dir == tmp_path / "d"


def test_unknown_keys_warn_with_the_nearest_known_one(files, caplog):
    site, user = files
    site.write_text("[recipt]\nformat = \"a4\"\n", encoding="utf-8")
    user.write_text('[centre]\ncountr = 3\n\n[ui]\nlangauge = "en"\n\n[storage]\n'
                    'counter = 4\n', encoding="utf-8")
    settings = load_settings(user, site_config=site)
    warnings = "\n".join(settings.warnings)
    assert f"{user}: unknown key centre.countr (ignored); did you mean centre.counter?" \
        in warnings
    assert "unknown key ui.langauge (ignored); did you mean ui.language?" in warnings
    assert "unknown key storage.counter (ignored); did you mean centre.counter?" in warnings
    assert f"{site}: unknown section [recipt] (ignored); did you mean [receipt]?" in warnings
    assert "unknown key centre.countr" in caplog.text  # logged too


def test_every_invalid_value_is_reported(files):
    site, user = files
    site.write_text('[receipt]\nformat = "a3"\n', encoding="utf-8")
    user.write_text('[centre]\ncode = "12"\ncounter = 120\n\n[ui]\nlanguage = "fr"\n'
                    'idle_lock_minutes = "five"\n\n[central]\nsslmode = "always"\n\n'
                    '[policy.intake]\ndescription_min_words = "many"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(user, site_config=site)
    problems = caught.value.problems
    text = str(caught.value)
    for expected in (f"{site}: receipt.format", "centre code must be three digits",
                     f"{user}: centre.counter", "ui.language must be ar or en",
                     "ui.idle_lock_minutes must be a whole number", "central.sslmode",
                     "policy.intake.description_min_words"):
        assert expected in text, text
    assert len(problems) == 7 and text.count("\n") == 6


def test_the_sample_configuration_names_every_key_and_reads_cleanly(clean_env, tmp_path,
                                                                    monkeypatch):
    """resources/config.sample.toml, uncommented, is a valid file naming every key read."""
    lines = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        stripped = line.lstrip("# ").rstrip()
        if stripped.startswith("[") or " = " in stripped:
            lines.append(stripped)  # a commented-out key or table becomes a real one
    whole = tmp_path / "whole.toml"
    whole.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen = []
    original = config._Layers.unknown_keys
    monkeypatch.setattr(config._Layers, "unknown_keys",
                        lambda self, *a: (seen.append(self), original(self, *a))[1])
    machine = tmp_path / "machine.toml"
    machine.write_text("", encoding="utf-8")
    settings = load_settings(whole, site_config=machine)
    assert settings.warnings == ()
    asked = {f"{t}.{k}" for t, table in seen[0].tables.items() for k in table.asked}
    written = {f"{t}.{k}" for t, table in seen[0].raw.items() if t != "policy" for k in table}
    assert asked - written == set(), "keys missing from the sample"
    # The sample as shipped (everything commented out but examples) reads too.
    assert load_settings(SAMPLE, site_config=machine).warnings == ()
