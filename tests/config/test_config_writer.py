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
