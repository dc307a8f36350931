"""Drafts keep their attachments' contents: they survive the loss of the original files, a
restart with its orphan sweep, and are released when the draft goes."""

from __future__ import annotations

from tawasul_desktop.storage.blobs import sha256_hex
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.drafts import (
    delete_draft,
    draft_attachments,
    list_drafts,
    load_draft,
    save_draft,
)
from tawasul_desktop.storage.requests import submit_request
from tawasul_desktop.storage.store import Store

SAMPLE_PDF, TINY_PNG = _SAMPLE_PDF, _tiny_png()


def _payload(files: list[tuple[str, str, bytes]], folder) -> dict:
    entries = []
    for document, name, content in files:
        path = folder / name
        path.write_bytes(content)
        entries.append({"document": document, "name": name, "path": str(path),
                        "sha256": sha256_hex(content)})
    return {"version": 1, "page": 2, "service": "passport", "attachments": entries}


def test_draft_with_attachments_restores_after_files_deleted_and_store_reopened(
        settings, tmp_path):
    files = [("national_id_copy", "هوية.pdf", SAMPLE_PDF + b"draft-1"),
             ("personal_photo", "photo.png", TINY_PNG)]
    payload = _payload(files, tmp_path)
    with Store.open(settings) as store:
        draft_id = save_draft(store, "amal", payload, contents=[c for _d, _n, c in files])
    for entry in payload["attachments"]:  # the clerk's originals are gone
        (tmp_path / entry["name"]).unlink()

    with Store.open(settings) as store:  # opening sweeps orphan files
        draft = load_draft(store, draft_id)
        assert draft is not None
        restored = draft_attachments(store, draft)
    assert [(a.document, a.name, a.content) for a in restored] == files


def test_save_refuses_a_payload_naming_contents_not_given(store, tmp_path):
    payload = _payload([("personal_photo", "p.png", TINY_PNG + b"x")], tmp_path)
    try:
        save_draft(store, "amal", payload)
    except ValueError:
        pass
    else:
        raise AssertionError("a draft naming an unstored file was accepted")
    assert list_drafts(store, "amal") == []


def test_deleting_a_draft_releases_its_files_but_not_shared_ones(store, tmp_path,
                                                                 valid_request, clerk):
    own = SAMPLE_PDF + b"only-in-the-draft"
    payload = _payload([("national_id_copy", "a.pdf", own),
                        ("personal_photo", "p.png", TINY_PNG)], tmp_path)
    draft_id = save_draft(store, "amal", payload, contents=[own, TINY_PNG])
    submit_request(store, clerk, valid_request())  # its photo is TINY_PNG too
    assert store.blobs.exists(sha256_hex(own)) and store.blobs.exists(sha256_hex(TINY_PNG))

    delete_draft(store, draft_id)
    assert not store.blobs.exists(sha256_hex(own))
    assert store.blobs.exists(sha256_hex(TINY_PNG))  # still a submitted request's file
    assert store.sweep_orphan_files() == 0


def test_overwriting_a_draft_releases_a_removed_file(store, tmp_path):
    first, second = SAMPLE_PDF + b"first", SAMPLE_PDF + b"second"
    payload = _payload([("national_id_copy", "1.pdf", first)], tmp_path)
    draft_id = save_draft(store, "amal", payload, contents=[first])
    payload = _payload([("national_id_copy", "2.pdf", second)], tmp_path)
    assert save_draft(store, "amal", payload, draft_id, contents=[second]) == draft_id
    assert not store.blobs.exists(sha256_hex(first))
    assert store.blobs.exists(sha256_hex(second))


def test_two_drafts_sharing_a_file_keep_it_until_both_go(store, tmp_path):
    shared = SAMPLE_PDF + b"shared"
    one = save_draft(store, "amal", _payload([("national_id_copy", "a.pdf", shared)], tmp_path),
                     contents=[shared])
    two = save_draft(store, "badr", _payload([("national_id_copy", "b.pdf", shared)], tmp_path),
                     contents=[shared])
    delete_draft(store, one)
    assert store.blobs.exists(sha256_hex(shared))
    delete_draft(store, two)
    assert not store.blobs.exists(sha256_hex(shared))


def test_old_drafts_without_contents_fall_back_to_the_path(store, tmp_path):
    (tmp_path / "id.pdf").write_bytes(SAMPLE_PDF)
    payload = {"service": "passport", "attachments": [
        {"document": "national_id_copy", "name": "id.pdf", "path": str(tmp_path / "id.pdf")}]}
    draft_id = save_draft(store, "amal", payload)
    draft = load_draft(store, draft_id)
    assert draft is not None
    [attachment] = draft_attachments(store, draft)
    assert attachment.content is None and attachment.path == str(tmp_path / "id.pdf")
