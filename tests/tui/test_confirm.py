"""Confirmations: who confirms what, the production variant that needs the last four digits and
a reason typed back (the card id when the number is unknown), and the keys: y / n, Enter on the
focused button (No to start with), Esc, all shown in the dialog's footer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from form_helpers import FormHost, text_of, type_text
from textual import events
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label

from fpconsole.api import methods as api
from fpconsole.tui.confirm import ConfirmResult, ConfirmScreen, ConfirmSpec, confirm_spec_for, describe_target
from fpconsole.tui.widgets.key_hints import KeyHints

MASK = "440043******1234"


def test_who_confirms_and_how() -> None:
    assert confirm_spec_for(api.CARD_INFO, "production", MASK) is None
    assert confirm_spec_for(api.CARD_ACTIVATE, "production", MASK) is None

    block = confirm_spec_for(api.CARD_BLOCK, "sandbox", MASK)
    assert block is not None and block.is_plain and block.danger

    pin = confirm_spec_for(api.CARD_SET_PIN, "production", MASK)
    assert pin is not None and pin.is_plain and not pin.danger

    prod_block = confirm_spec_for(api.CARD_BLOCK, "production", MASK)
    assert prod_block is not None
    assert (prod_block.require_last4, prod_block.require_reason, prod_block.require_id) == (
        "1234",
        True,
        False,
    )

    # As the README says: last four + reason, for Close as for Block.
    prod_close = confirm_spec_for(api.CARD_CLOSE, "production", MASK)
    assert prod_close is not None
    assert (prod_close.require_last4, prod_close.require_reason, prod_close.require_id) == (
        "1234",
        True,
        False,
    )

    unknown_card = confirm_spec_for(api.CARD_BLOCK, "production", None)
    assert unknown_card is not None and unknown_card.require_last4 is None and unknown_card.require_id


def test_target_line() -> None:
    assert describe_target(api.CARD_BLOCK, {"card_id": "7001234"}, MASK) == (
        f"Card {MASK} (7001234)",
        "7001234",
    )
    assert describe_target(api.CARD_BLOCK, {"card_id": "7001234"}, None) == ("Card 7001234", "7001234")
    assert describe_target(api.LIMITS_SET, {"object": {"value": "C1"}}, None) == ("object.value C1", "C1")


def host(spec: ConfirmSpec, **kwargs: Any) -> FormHost:
    return FormHost(lambda: ConfirmScreen(spec, **kwargs), None)


def screen_of(app: FormHost) -> ConfirmScreen:
    assert isinstance(app.screen, ConfirmScreen)
    return app.screen


async def test_plain_confirmation_starts_on_no() -> None:
    spec = confirm_spec_for(api.CARD_SET_PIN, "sandbox", MASK)
    assert spec is not None
    app = host(spec, target=f"Card {MASK} (7001234)")
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.focused is screen_of(app).query_one("#confirm-no", Button)
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [None]


async def test_plain_confirmation_yes() -> None:
    app = host(ConfirmSpec("Set PIN", "replaced"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#confirm-yes")
        await pilot.pause()
    assert app.results == [ConfirmResult(reason="")]


async def test_production_block_refuses_wrong_digits_and_empty_reason() -> None:
    spec = confirm_spec_for(api.CARD_BLOCK, "production", MASK)
    assert spec is not None
    app = host(spec, target=f"Card {MASK} (7001234)", target_id="7001234")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        assert screen.has_class("-danger")
        assert app.focused is screen.query_one("#confirm-last4", Input)
        await type_text(pilot, "#confirm-last4", "4321")
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert app.results == []
        last4 = screen.query_one("#error-confirm-last4", Label)
        assert text_of(last4) == "does not match the card's last four digits" and last4.has_class("-shown")
        assert text_of(screen.query_one("#error-confirm-reason", Label)) == "a reason is required"
        assert app.focused is screen.query_one("#confirm-last4", Input)

        screen.query_one("#confirm-last4", Input).value = "1234"
        await type_text(pilot, "#confirm-reason", "Lost")
        await pilot.press("enter")  # Enter on the last prompt confirms
        await pilot.pause()
    assert app.results == [ConfirmResult(reason="Lost")]


def burst(pilot: Pilot[Any], text: str) -> None:
    """Every key queued at once, as one write over SSH arrives (pilot.press waits for each)."""
    for char in text:
        pilot.app.post_message(events.Key("enter" if char == "\r" else char, None if char == "\r" else char))


async def test_digits_and_enter_in_one_write_are_judged_on_what_was_typed() -> None:
    """QA finding 9: `2407⏎` in one write was judged before the box held it ("0 of 4 typed")."""
    spec = confirm_spec_for(api.CARD_BLOCK, "production", "440043******2407")
    assert spec is not None
    app = host(spec, target_id="7001234", reason="Lost card")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        assert app.focused is screen.query_one("#confirm-last4", Input)
        burst(pilot, "2407\r\r")  # a second Enter in the same write answers nothing more
        await wait_for(pilot, lambda: bool(app.results))
        await pilot.pause()
    assert app.results == [ConfirmResult(reason="Lost card")]


async def test_a_short_burst_and_enter_says_how_many_digits_were_typed() -> None:
    spec = confirm_spec_for(api.CARD_BLOCK, "production", "440043******2407")
    assert spec is not None
    app = host(spec, target_id="7001234", reason="Lost card")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        label = screen.query_one("#error-confirm-last4", Label)
        burst(pilot, "24\r")
        await wait_for(pilot, lambda: label.has_class("-shown"))
        assert text_of(label) == "type the card's last four digits (2 of 4 typed)"
        assert app.results == []


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let the app run until `condition()` holds; fails only after a generous `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await pilot.pause(0.01)


async def test_reason_follows_the_api_rules() -> None:
    spec = confirm_spec_for(api.CARD_BLOCK, "production", MASK)
    assert spec is not None
    app = host(spec, target_id="7001234", reason="Потеряна")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        screen.query_one("#confirm-last4", Input).value = "1234"
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert app.results == []
        assert "Latin letters" in text_of(screen.query_one("#error-confirm-reason", Label))


async def test_production_close_asks_last_four_and_reason_and_fits_80x24() -> None:
    spec = confirm_spec_for(api.CARD_CLOSE, "production", MASK)
    assert spec is not None
    app = host(spec, target=f"Card {MASK} (7001234)", target_id="7001234", reason="Holder request")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        assert not screen.query("#confirm-id")  # what the README says: last four and a reason
        yes = screen.query_one("#confirm-yes", Button)
        assert yes.region.area > 0 and Region(0, 0, 80, 24).contains_region(yes.region)
        assert Region(0, 0, 80, 24).contains_region(screen.query_one(KeyHints).region)
        await type_text(pilot, "#confirm-last4", "1235")
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert app.results == []
        assert text_of(screen.query_one("#error-confirm-last4", Label)) == (
            "does not match the card's last four digits"
        )
        screen.query_one("#confirm-last4", Input).value = "1234"
        await pilot.pause(0.25)  # a Button ignores a second press within its 0.2 s press effect
        await pilot.click("#confirm-yes")
        await pilot.pause()
    assert app.results == [ConfirmResult(reason="Holder request")]


async def test_production_card_without_a_number_asks_for_its_id() -> None:
    spec = confirm_spec_for(api.CARD_CLOSE, "production", None)
    assert spec is not None
    app = host(spec, target="Card 7001234", target_id="7001234", reason="Holder request")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        assert not screen.query("#confirm-last4")
        await type_text(pilot, "#confirm-id", "7001235")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert text_of(screen.query_one("#error-confirm-id", Label)) == "type 7001234 exactly"
        screen.query_one("#confirm-id", Input).value = "7001234"
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [ConfirmResult(reason="Holder request")]


async def test_escape_cancels() -> None:
    app = host(ConfirmSpec("Close card", "final", danger=True, require_reason=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


def test_refunds_and_full_clearings_say_the_amount_in_words() -> None:
    from decimal import Decimal

    from fpconsole.tui.confirm import ledger_confirm_spec

    left = Decimal(6000)
    full = ledger_confirm_spec(api.TRANSACTION_REFUND, "refund", None, left, "KZT")
    assert full is not None and full.danger and full.is_plain
    assert full.message.startswith("Refund all 6,000.00 KZT that is left?")
    # Every refund asks, a partial one too, with its amount.
    part = ledger_confirm_spec(api.TRANSACTION_REFUND, "refund", Decimal(2500), left, "KZT")
    assert part is not None
    assert part.message.startswith("Refund 2,500.00 KZT? (Up to 6,000.00 KZT can be refunded.)")
    unknown = ledger_confirm_spec(api.TRANSACTION_REFUND, "refund", None, None, "")
    assert unknown is not None and "could not read how much" in unknown.message

    clear_all = ledger_confirm_spec(api.TRANSACTION_CLEARING, "clearing", None, Decimal(3000), "KZT")
    assert clear_all is not None
    assert clear_all.message.startswith("Clear all 3,000.00 KZT that is still held?")
    # A typed, partial clearing goes without a question.
    assert ledger_confirm_spec(api.TRANSACTION_CLEARING, "clearing", Decimal(1200), left, "KZT") is None


# --- keys (issue 12, item 8) -------------------------------------------------------------------


def footer_keys(screen: ConfirmScreen) -> dict[str, str]:
    """What the dialog's footer shows: key → description."""
    return {hint.key: hint.description for hint in screen.query_one(KeyHints).hints()}


async def wait_footer(pilot: Pilot[Any], screen: ConfirmScreen, expected: dict[str, str]) -> None:
    """The footer is recomposed after a refresh: wait for it (fails after 30 s)."""
    for _ in range(3000):
        if footer_keys(screen) == expected:
            return
        await pilot.pause(0.01)
    assert footer_keys(screen) == expected


def block_spec(kind: str) -> ConfirmSpec:
    spec = confirm_spec_for(api.CARD_BLOCK, kind, MASK)
    assert spec is not None
    return spec


async def answer(spec: ConfirmSpec, *keys: str, reason: str = "") -> list[Any]:
    app = host(spec, target=f"Card {MASK} (7001234)", target_id="7001234", reason=reason)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
    return app.results


async def test_plain_keys_y_n_enter_escape() -> None:
    spec = block_spec("sandbox")
    assert spec.danger and spec.is_plain
    assert await answer(spec, "y") == [ConfirmResult()]
    assert await answer(spec, "n") == [None]
    assert await answer(spec, "escape") == [None]
    # Enter takes the default, the focused No: a destructive question is never confirmed by it.
    assert await answer(spec, "enter") == [None]
    # Tab to the Block button: Enter now presses it.
    assert await answer(spec, "tab", "enter") == [ConfirmResult()]


async def test_plain_footer_says_the_keys_and_what_enter_does() -> None:
    app = host(block_spec("sandbox"), target=f"Card {MASK} (7001234)")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        await wait_footer(pilot, screen, {"y": "Yes", "n": "No", "enter": "No", "escape": "Cancel"})
        await pilot.press("tab")
        assert app.focused is screen.query_one("#confirm-yes", Button)
        await wait_footer(pilot, screen, {"y": "Yes", "n": "No", "enter": "Yes", "escape": "Cancel"})
    assert app.results == []


async def test_production_enter_in_a_box_confirms_once_complete() -> None:
    # The reason came from the form: the last four digits and Enter are all it takes.
    assert await answer(block_spec("production"), *"1234", "enter", reason="Lost") == [
        ConfirmResult(reason="Lost")
    ]


async def test_production_enter_says_what_is_missing() -> None:
    app = host(block_spec("production"), target=f"Card {MASK} (7001234)", target_id="7001234")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        await pilot.press("1", "2", "enter")  # two digits short, no reason
        await pilot.pause()
        assert app.results == []
        assert text_of(screen.query_one("#error-confirm-last4", Label)) == (
            "type the card's last four digits (2 of 4 typed)"
        )
        assert text_of(screen.query_one("#error-confirm-reason", Label)) == "a reason is required"
        assert app.focused is screen.query_one("#confirm-last4", Input)

        await pilot.press("3", "4", "enter")  # the digits now match: on to what is still missing
        await pilot.pause()
        assert app.results == []
        assert not screen.query_one("#error-confirm-last4", Label).has_class("-shown")
        assert app.focused is screen.query_one("#confirm-reason", Input)

        await pilot.press(*"Lost by holder", "enter")
        await pilot.pause()
    assert app.results == [ConfirmResult(reason="Lost by holder")]


async def test_production_y_and_n_in_a_box_are_letters() -> None:
    app = host(block_spec("production"), target=f"Card {MASK} (7001234)", target_id="7001234")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app)
        # In a box the footer offers no y / n: Enter (confirms when complete) and Esc.
        await wait_footer(pilot, screen, {"enter": "Yes", "escape": "Cancel"})
        await pilot.press(*"1234", "tab")
        assert app.focused is screen.query_one("#confirm-reason", Input)
        await pilot.press(*"yn any", "enter")
        await pilot.pause()
    assert app.results == [ConfirmResult(reason="yn any")]


async def test_production_tab_to_no_then_enter_cancels() -> None:
    spec = block_spec("production")
    assert await answer(spec, *"1234", "tab", "tab", "enter", reason="Lost") == [None]
    assert await answer(spec, *"12", "escape") == [None]
