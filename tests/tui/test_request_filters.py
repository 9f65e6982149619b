"""Requests' qualifiers read the journal: `client:` and `card:` match the request's targets
(next to free words, which the journal's own query takes), `method:`, `status:` and `since:`."""

from __future__ import annotations

import pytest

from fpconsole import cli
from fpconsole.store.journal import Journal
from fpconsole.tui import data


def test_requests_filter_by_target_method_status_and_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["call", "card.info", "card_id=7001001"]) == 0
    assert cli.main(["call", "client.cards", "client_id=CL-100001"]) == 0
    capsys.readouterr()
    with Journal.open(profile="sandbox") as journal:

        def methods(text: str) -> list[str]:
            found = [entry.method for entry in data.fetch_requests(journal, text, 0, 10)]
            assert data.count_requests(journal, text) == len(found)
            return found

        assert methods("card:7001001") == ["card.info"]
        assert methods("client:CL-100001") == ["client.cards"]
        assert methods("client:CL-100001 cards") == ["client.cards"]  # with free words
        assert methods("client:CL-100001 card:7001001") == []
        assert methods("client:CL-1000") == []  # an id, not a part of one
        assert methods("method:card/info status:success since:1h") == ["card.info"]
        assert methods("status:error") == []
