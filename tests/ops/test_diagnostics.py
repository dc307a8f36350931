"""The diagnostics report: versions, configuration without secrets, schema, log tail."""

from __future__ import annotations

import logging

from tawasul_desktop import logs
from tawasul_desktop.config import load_settings
from tawasul_desktop.diagnostics import diagnostics_text, without_secrets
from tawasul_desktop.storage.store import Store


def test_report_names_versions_settings_schema_and_last_log_lines(tmp_path, clean_env,
                                                                   monkeypatch):
    monkeypatch.setenv("TAWASUL_LOG_DIR", str(tmp_path / "logs"))
    config = tmp_path / "config.toml"
    config.write_text('[centre]\ncode = "205"\n[central]\ndsn = "host=central dbname=tawasul '
                      'user=counter"\npassword_file = "/etc/tawasul/secret"\n', encoding="utf-8")
    settings = load_settings(config, data_dir=tmp_path / "data")
    with Store.open(settings):
        pass
    logs.setup_logging(console=False)
    try:
        logging.getLogger("tawasul_desktop.test").warning("last words about 0551234567")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = diagnostics_text(settings, extra={"Qt": "6.x"})
    finally:
        for handler in [h for h in logging.getLogger().handlers if getattr(h, "tawasul", 0)]:
            logging.getLogger().removeHandler(handler)
            handler.close()
    assert "Tawasul Desk 0." in text and "SQLAlchemy" in text and "Qt 6.x" in text
    assert "centre_code = 205" in text and str(config) in text
    assert "central_dsn = host=central dbname=tawasul user=counter" in text
    assert "schema: 0" in text
    assert "last words about" in text and "0551234567" not in text


def test_secrets_in_connection_strings_are_hidden():
    assert without_secrets("host=x password=s3cret user=u") == "host=x password=*** user=u"
    assert without_secrets("postgresql://u:s3cret@host/db") == "postgresql://u:***@host/db"
