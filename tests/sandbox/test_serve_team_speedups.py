"""The request path's speed-ups (bench/sandbox_throughput.py) keep their meaning: the storage
time format reads back exactly, and a cached signature header never lets a bad signature in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fpconsole.api import signing
from fpconsole.api.signing import SignatureError, read_header, sign, verify
from fpconsole.sandbox.engine.clock import _DB_FORMAT, from_db, to_db

SECRETS = {"100500": "sandbox-secret"}


@given(st.datetimes(timezones=st.just(UTC)))
def test_storage_times_read_back_exactly(moment: datetime) -> None:
    text = to_db(moment)
    assert from_db(text) == moment
    assert from_db(text) == datetime.strptime(text, _DB_FORMAT).replace(tzinfo=UTC)


def test_storage_times_at_the_edges_read_back() -> None:
    for moment in (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC) - timedelta(hours=1)):
        assert from_db(to_db(moment)) == moment


def test_a_cached_header_still_checks_the_signature_of_every_body() -> None:
    body = b'{"card_id":"7001001"}'
    value = sign(body, uri="/v5/card-api/card/info", auth_id="100500", secret="sandbox-secret")
    for _ in range(2):  # the second time from the cache
        assert (
            verify(value, body, uri="/v5/card-api/card/info", method="POST", secrets=SECRETS).auth_id
            == "100500"
        )
    with pytest.raises(SignatureError) as refused:
        verify(value, body + b" ", uri="/v5/card-api/card/info", method="POST", secrets=SECRETS)
    assert refused.value.code == "invalid_signature"
    with pytest.raises(SignatureError) as wrong_path:
        verify(value, body, uri="/v5/card-api/card/block", method="POST", secrets=SECRETS)
    assert wrong_path.value.code == "invalid_signature"


def test_the_header_cache_stays_small() -> None:
    for n in range(signing._CACHE_SIZE + 10):
        value = sign(b"{}", uri=f"/v5/p{n}", auth_id="100500", secret="sandbox-secret")
        read_header(value)
    assert len(signing._HEADERS) <= signing._CACHE_SIZE
    long_value = sign(b"{}", uri="/v5/" + "x" * 600, auth_id="100500", secret="sandbox-secret")
    read_header(long_value)
    assert long_value.split("..")[0] not in signing._HEADERS
