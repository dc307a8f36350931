"""The configuration writer: what it writes reads back the same, and bad values never land."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tawasul_desktop.config import ConfigError, load_settings
from tawasul_desktop.config_writer import dumps, update_config_file

keys = st.text(min_size=1, max_size=12)
scalars = (st.text(max_size=30) | st.integers(-2**63, 2**63 - 1) | st.booleans()
           | st.floats(allow_nan=False, allow_infinity=False) | st.dates())
values = scalars | st.lists(scalars, max_size=4)
tables = st.recursive(st.dictionaries(keys, values, max_size=5),
                      lambda inner: st.dictionaries(keys, values | inner, max_size=4),
                      max_leaves=20)


@given(st.dictionaries(keys, tables | values, max_size=5))
def test_what_is_written_reads_back_the_same(data):
    assert tomllib.loads(dumps(data)) == data


def test_windows_paths_and_arabic_names_survive():
    data = {"storage": {"data_dir": "D:\\Tawasul\\بيانات"},
            "centre": {"name_ar": 'مركز "الرياض"\n', "counter": 3},
            "policy": {"calendar": {"extra_closures": [dt.date(2027, 3, 9)]}}}
    assert tomllib.loads(dumps(data)) == data


@pytest.fixture
def config(tmp_path, clean_env):
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text('[policy.intake]\ndescription_min_words = 5\n\n[ui]\nlanguage = "en"\n',
                    encoding="utf-8")
    return path


def test_update_keeps_other_keys_and_checks_with_the_reading_rules(config, tmp_path):
    settings = update_config_file(config, {"centre": {"code": "205", "counter": 7},
                                           "storage": {"data_dir": str(tmp_path / "d")},
                                           "receipt": {"format": "roll80", "printer": "Zebra"}})
    assert (settings.centre_code, settings.counter) == ("205", 7)
    assert settings.receipt_format == "roll80" and settings.receipt_printer == "Zebra"
    assert settings.data_dir == tmp_path / "d" and settings.language == "en"
    assert settings.policy.intake.description_min_words == 5
    assert load_settings(config) == settings


def test_an_invalid_value_names_key_and_file_and_leaves_the_file(config):
    before = config.read_bytes()
    with pytest.raises(ConfigError) as caught:
        update_config_file(config, {"centre": {"counter": 120}})
    assert str(config) in str(caught.value) and "counter" in str(caught.value)
    assert config.read_bytes() == before
    assert [p.name for p in config.parent.iterdir()] == ["config.toml"]


def test_setup_keeps_comments_and_order(tmp_path, clean_env):
    path = tmp_path / "config.toml"
    text = ('# Counter 3, by the window. Ask IT before changing.\n'
            '[ui]\nlanguage = "en"  # the clerk reads English\n\n'
            '# Our receipt printer\n[receipt]\nformat = "roll80"\n\n'
            '[centre]\n# from the fleet list\ncode = "101"\ncounter = 2\n')
    path.write_text(text, encoding="utf-8")
    update_config_file(path, {"centre": {"counter": 3, "name_en": "Riyadh"},
                              "storage": {"data_dir": str(tmp_path / "d")},
                              "receipt": {"printer": ""}})
    after = path.read_text(encoding="utf-8")
    assert after.startswith(text.replace("counter = 2", "counter = 3"))  # untouched, in order
    assert 'name_en = "Riyadh"' in after and "[storage]" in after.split("[centre]")[1]


def test_setup_leaves_what_the_machine_fixes_to_the_machine(tmp_path, clean_env, monkeypatch):
    machine = tmp_path / "machine"
    machine.mkdir()
    (machine / "config.toml").write_text("[centre]\ncounter = 7\n", encoding="utf-8")
    monkeypatch.setenv("TAWASUL_SITE_CONFIG_DIR", str(machine))
    path = tmp_path / "user.toml"
    settings = update_config_file(path, {"centre": {"counter": 3, "code": "205"}})
    assert (settings.counter, settings.centre_code) == (7, "205")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"centre": {"code": "205"}}
    assert settings.warnings == ()
