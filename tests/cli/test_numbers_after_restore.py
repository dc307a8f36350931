"""After `tawasul restore` of an older backup, numbers continue above every number ever given
(the high-water mark kept outside the database), and the restore warns about the unsent work
it takes out of the live database."""

from __future__ import annotations

import itertools
import json

import pytest
from cli_users import OPERATOR_PASSWORD

from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.high_water import FILE_NAME

DESCRIPTION = (
    "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات المطلوبة"
)
_bodies = itertools.count(55_000_000)


@pytest.fixture
def submit(tawasul, tmp_path, operator):
    """Submit one new request through the command; return its sequence number."""
    (tmp_path / "id.pdf").write_bytes(_SAMPLE_PDF)
    (tmp_path / "photo.png").write_bytes(_tiny_png())

    def run() -> int:
        obj = {"service": "passport",
               "applicant": {"name": "أحمد محمد القحطاني",
                             "id_number": make_identity("1", f"{next(_bodies):08d}"),
                             "mobile": "0501234567", "email": "a@example.com"},
               "relation": "self", "description": DESCRIPTION,
               "fields": {"passport_action": "renew"},
               "attachments": [{"document": "national_id_copy", "path": "id.pdf"},
                               {"document": "personal_photo", "path": "photo.png"}]}
        ran = tawasul("request", "submit", "-", "--json",
                      stdin=json.dumps(obj, ensure_ascii=False), cwd=tmp_path)
        assert ran.code == 0, ran.err
        return parse_number(ran.data["number"]).sequence

    return run


def test_numbers_are_never_given_twice_after_a_restore(tawasul, submit, settings, tmp_path):
    assert [submit(), submit()] == [1, 2]
    backup = tmp_path / "monday.sqlite3"
    assert tawasul("backup", backup).code == 0
    printed = [submit(), submit()]  # on applicants' receipts now
    assert printed == [3, 4]

    restored = tawasul("restore", backup, "--json", password=OPERATOR_PASSWORD)
    assert restored.code == 0, restored.err
    # The two submits after the backup had not reached central: the restore says so.
    assert restored.data["unsent_dropped"] >= 2
    assert "[restore.unsent_dropped]" in restored.err
    assert restored.data["previous_kept_as"] in restored.err

    assert submit() == 5  # not 3 again
    assert (settings.data_dir / FILE_NAME).exists()


def test_a_restore_without_unsent_work_warns_of_nothing(tawasul, submit, tmp_path):
    submit()
    backup = tmp_path / "now.sqlite3"
    assert tawasul("backup", backup).code == 0
    restored = tawasul("restore", backup, "--json", password=OPERATOR_PASSWORD)
    assert restored.code == 0, restored.err
    assert restored.data["unsent_dropped"] == 0 and "warning" not in restored.err
