"""Shared fixtures: settings on a temporary SQLite file, an open store, valid requests.

Everything is real: an SQLite file under ``tmp_path``, the real migrations, the real intake
validation (``validate_request``) and real (tiny) PDF and PNG files.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterator

import pytest

from tawasul_desktop.config import Settings, load_settings
from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.intake_types import (
    AttachmentInput,
    PersonInput,
    RequestDraft,
    ValidRequest,
)
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

TINY_PNG = _tiny_png()
SAMPLE_PDF = _SAMPLE_PDF
DESCRIPTION = (
    "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات المطلوبة"
)
# Environment variables load_settings reads; tests must not pick up the developer's.
TAWASUL_ENV = (
    "TAWASUL_DB",
    "TAWASUL_DATA_DIR",
    "TAWASUL_CONFIG",
    "TAWASUL_COUNTER",
    "TAWASUL_CENTRE",
    "TAWASUL_CENTRAL_DSN",
    "TAWASUL_CENTRAL_READ_DSN",
    "TAWASUL_CENTRAL_IDLE_DSN",
)

# The machine's configuration folder is an empty one of the test run's own: no test reads
# (or, through --setup, writes) the real /etc/xdg/tawasul-desk of the machine it runs on.
os.environ["TAWASUL_SITE_CONFIG_DIR"] = tempfile.mkdtemp(prefix="tawasul-site-config-")

_identity_bodies = itertools.count(10_000_000)


def fresh_identity(prefix: str = "1") -> str:
    """A valid identity number no other test has used in this run."""
    return make_identity(prefix, f"{next(_identity_bodies) % 100_000_000:08d}")


# A Qt wait's timeout only says when to give up on something that is broken: a worker that
# reads the database or renders a PDF in 200 ms alone can take seconds on a loaded 2-core
# machine, and a 3-second bound then fails a test that proves nothing about the product. No
# wait gives up sooner than this; a passing test is not slowed by it.
QT_WAIT_FLOOR_MS = 60_000
_QT_WAITS = ("waitUntil", "waitSignal", "waitSignals", "waitExposed", "waitActive",
             "waitCallback")


@pytest.fixture
def qtbot(qtbot):  # pytest-qt's own, with QT_WAIT_FLOOR_MS under every timeout it is given
    def floored(wait):
        def call(*args, **kwargs):
            given = kwargs.get("timeout", 1)
            if given is not None and given > 0:  # None, 0 or less keep pytest-qt's meaning
                kwargs["timeout"] = max(given, QT_WAIT_FLOOR_MS)
            return wait(*args, **kwargs)

        return call

    for name in _QT_WAITS:
        setattr(qtbot, name, floored(getattr(qtbot, name)))
    return qtbot


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in TAWASUL_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path, clean_env) -> Settings:
    return load_settings(
        config_file=tmp_path / "none.toml",
        db=tmp_path / "tawasul.sqlite3",
        data_dir=tmp_path / "data",
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    opened = Store.open(settings)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def supervisor() -> Actor:
    return Actor("test.supervisor", "supervisor", "Test Supervisor")


@pytest.fixture
def clerk() -> Actor:
    return Actor("test.clerk", "clerk", "Test Clerk")


MakeValid = Callable[..., ValidRequest]


@pytest.fixture
def valid_request() -> MakeValid:
    """Factory: a ValidRequest for the passport service, built by the real validate_request.

    Each call uses a new identity number unless ``id_number`` is given; ``photo`` replaces
    the photo's bytes (e.g. to make attachments of distinct content).
    """

    def make(
        *,
        id_number: str | None = None,
        name: str = "أحمد محمد القحطاني",
        photo: bytes | None = None,
        description: str = DESCRIPTION,
    ) -> ValidRequest:
        draft = RequestDraft(
            service="passport",
            applicant=PersonInput(
                name=name,
                id_number=id_number or fresh_identity("1"),
                mobile="0501234567",
                email="applicant@example.com",
            ),
            relation="self",
            description=description,
            fields={"passport_action": "renew"},
            attachments=[
                AttachmentInput("national_id_copy", "id.pdf", SAMPLE_PDF),
                AttachmentInput("personal_photo", "photo.png", photo or TINY_PNG),
            ],
        )
        valid, problems = validate_request(draft)
        assert valid is not None, [p.code for p in problems]
        return valid

    return make
