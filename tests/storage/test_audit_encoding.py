"""The audit log's JSON, made by an encoder built once per process (storage.audit._one_shot),
is the text json.dumps makes with the same options: every hash ever written depends on it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tawasul_desktop.storage import audit

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text() | st.dates() | st.datetimes(timezones=st.just(dt.UTC)))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=12)


@given(values)
def test_canonical_text_is_json_dumps_text(value):
    expected = None if value is None else json.dumps(
        value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
    assert audit._canonical(value) == expected


@given(st.lists(st.none() | st.text(), min_size=8, max_size=8))
def test_hashed_payload_is_json_dumps_text(parts):
    expected = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    assert audit._encode_hashed(parts) == expected


def test_an_entry_hash_is_the_documented_sha256():
    # The hash verify recomputes: sha256 over the JSON list of the previous hash and the
    # entry's fields; a change in the encoding would break every chain written before.
    at = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    old, new = audit._canonical({"status": "submitted", "due_date": dt.date(2026, 3, 9)}), \
        audit._canonical({"status": "returned", "reason": "صورة غير واضحة", "by": None})
    assert (old, new) == ('{"due_date":"2026-03-09","status":"submitted"}',
                          '{"by":null,"reason":"صورة غير واضحة","status":"returned"}')
    digest = audit.entry_hash(audit.GENESIS, at, "central", "sync.request_changed", "request",
                              "42", old, new)
    payload = json.dumps([audit.GENESIS, "2026-03-04T05:06:07.891011+00:00", "central",
                          "sync.request_changed", "request", "42", old, new],
                         ensure_ascii=False, separators=(",", ":"))
    assert digest == hashlib.sha256(payload.encode("utf-8")).hexdigest()


# The pull writes its entries' JSON text directly (audit.json_scalar per value, the hash's
# input by audit._hashed_payload): every byte must be json.dumps's, or hashes would differ.
json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
                | st.text() | st.text(alphabet=st.characters(max_codepoint=0x1F))
                | st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي\u200f\u061c\"\\\n\t"))


@settings(max_examples=500, deadline=None)
@given(json_scalars)
def test_json_scalar_is_json_dumps_text(value):
    assert audit.json_scalar(value) == json.dumps(
        value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


@settings(max_examples=500, deadline=None)
@given(values)
def test_json_scalar_of_any_value_is_the_canonical_text(value):
    assert audit.json_scalar(value) == json.dumps(
        value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(), min_size=5, max_size=5), st.text() | st.integers() | st.none(),
       st.none() | st.text(), st.none() | st.text())
def test_hashed_payload_is_the_json_dumps_payload(parts, entity_id, old, new):
    prev, at, actor, action, entity = parts
    expected = json.dumps([prev, at, actor, action, entity, entity_id, old, new],
                          ensure_ascii=False, separators=(",", ":"))
    middle = audit._hashed_middle(at, actor, action, entity)
    assert audit._hashed_payload(prev, middle, entity_id, old, new) == expected
