"""`fpconsole views`: a profile's saved views listed, added (checked as the console checks a
filter) and deleted from the shell."""

from __future__ import annotations

import pytest

from fpconsole import cli


def views(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["views", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_views_are_added_listed_and_deleted(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        views(capsys)[1] == "no saved views for profile sandbox (fpconsole views add NAME SECTION FILTER)\n"
    )
    code, out, _err = views(capsys, "add", "blocked", "cards", "status:blocked", "since:7d")
    assert code == 0 and out == "saved view blocked: cards  status:blocked since:7d\n"
    assert views(capsys, "add", "errors", "requests", "status:error")[0] == 0
    assert views(capsys, "list")[1].splitlines() == [
        "blocked  cards         status:blocked since:7d",
        "errors   requests      status:error",
    ]
    assert views(capsys, "delete", "errors")[1] == "deleted view errors\n"
    code, _out, err = views(capsys, "delete", "errors")
    assert code == 2 and "no view named 'errors' for profile sandbox" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "x", "cards", "colour:red"), "unknown qualifier colour: (this list takes status: product:"),
        (("add", "x", "bulk", "a"), "section 'bulk': one of clients, cards, transactions, requests"),
        (("add", "x", "cards"), "usage: fpconsole views add NAME SECTION FILTER"),
        (("add", "two words", "cards", "status:active"), "view name 'two words'"),
        (("--profile", "nope"), "nope"),
    ],
)
def test_what_cannot_be_done_says_why(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _out, err = views(capsys, *args)
    assert code == 2 and message in err
