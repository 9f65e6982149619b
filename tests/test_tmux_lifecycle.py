"""Issue 9's lifecycle in a real terminal (tmux, 100x30), keys only, on a fresh embedded sandbox (a
new FPCONSOLE_HOME): create a client, issue a card to it, activate it, top it up from the Sandbox
section, create → clear → refund a transaction on it and read its statement — on the card made in
this run, not a seeded one. The top-up is typed in one write (F7, panel, Tab, amount, Enter), as
a paste or fast typing over SSH sends it."""

from __future__ import annotations

import re
import shutil

import pytest
from test_tmux import Pane, choose, start

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def found(pattern: str, screen: str) -> str:
    match = re.search(pattern, screen)
    assert match is not None, f"{pattern!r} not on screen:\n{screen}"
    return match.group(1)


def test_lifecycle_from_a_new_client_to_its_statement(pane: Pane) -> None:
    start(pane)

    # A client, with the form's keys (as test_tmux does).
    pane.keys("n")
    pane.wait_for("Create client")
    choose(pane, "Product *", 2, "Instant Card (2000)")
    pane.keys("Tab", "Tab")
    pane.type("77011234567")
    pane.line_with("Phone *", "77011234567")
    pane.keys("Tab")
    choose(pane, "Client type *", 1, "individual (1)")
    pane.keys("Tab")
    choose(pane, "Residency *", 1, "resident (1)")
    pane.keys("Tab")
    pane.type("ALIYA")
    pane.line_with("First name *", "ALIYA")
    pane.keys("Tab")
    pane.type("SADYKOVA")
    pane.line_with("Last name *", "SADYKOVA")
    pane.keys("C-s")
    client_id = found(
        r"client_id\s+(CL-\d+)", pane.wait_for(lambda s: bool(re.search(r"client_id\s+CL-\d+", s)))
    )
    pane.keys("Escape")
    pane.wait_for(lambda s: f"{client_id}   ALIYA SADYKOVA" in s and "Create client" not in s)

    # A card for it: the new client is on top of the list.
    pane.keys(":", f"client {client_id}", "Enter")
    pane.wait_for(lambda s: "client_id" in s and client_id in s)
    pane.keys("i")
    pane.wait_for("Issue card")
    pane.line_with("Client id", client_id)
    pane.keys("C-s")
    screen = pane.wait_for(lambda s: bool(re.search(r"card_id\s+\d{7}", s)))
    card_id = found(r"card_id\s+(\d{7})", screen)
    pane.keys("Escape")
    pane.wait_for(lambda s: "card.issue" not in s)

    # Activate it in Cards.
    pane.keys("F3")
    pane.wait_for(lambda s: "Cards" in s and card_id in s)
    pane.keys(":", f"card {card_id}", "Enter")
    pane.wait_for(lambda s: bool(re.search(rf"{card_id}\s+\S+\s+inactive", s)))
    pane.keys("A")
    pane.wait_for("Activate")
    pane.keys("C-s")
    pane.wait_for(lambda s: "success" in s)
    pane.keys("Escape")
    pane.wait_for(lambda s: bool(re.search(rf"{card_id}\s+\S+\s+active", s)))

    # Top it up from the Sandbox section, all in one write: the card comes from Cards' selection.
    pane.keys("F7", "t", "Tab", "10000", "Enter")
    pane.wait_for(f"Topped up card {card_id} with 10,000.00 KZT")

    # A transaction on it, from Cards (t): Order id, two Tabs (over Card id) to Amount.
    pane.keys("F3")
    pane.wait_for(
        lambda s: bool(re.search(rf"{card_id}\s+\S+\s+active", s)) and "Sandbox" not in s.splitlines()[0]
    )
    pane.keys("t")
    pane.wait_for("Create transaction")
    pane.line_with("Card id *", card_id)
    pane.keys("ORD-LIFE-1", "Tab", "Tab", "3000")
    pane.line_with("Amount *", "3000")
    pane.keys("C-s")
    uuid = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    transaction_id = found(
        rf"transaction_id\s+{uuid}", pane.wait_for(lambda s: "transaction_id" in s and "success" in s)
    )
    pane.keys("Escape")
    pane.wait_for(lambda s: "Create transaction" not in s)

    # Clear 1,200 of it, then refund 500 (a refund asks first: y answers yes).
    pane.keys("F5")
    pane.wait_for(lambda s: "Transactions" in s.splitlines()[0])
    pane.keys(":", f"transaction {transaction_id}", "Enter")
    pane.wait_for(lambda s: transaction_id[:8] in s)
    pane.keys("c")
    pane.wait_for(lambda s: "still held" in s)
    pane.type("1200")
    pane.line_with("Amount", "1200")
    pane.keys("C-s")
    pane.wait_for(lambda s: "success" in s)
    pane.keys("Escape")
    pane.wait_for(lambda s: "Transaction clearing" not in s and "1,800/1,200/0" in s)
    pane.keys("r")
    pane.wait_for(lambda s: "cleared and not yet refunded" in s)
    pane.type("500")
    pane.line_with("Amount", "500")
    pane.keys("C-s")
    pane.wait_for("Refund 500.00 KZT?")
    pane.keys("y")
    pane.wait_for(lambda s: "success" in s and "Refund 500.00 KZT?" not in s)
    pane.keys("Escape")
    pane.wait_for(lambda s: "1,800/1,200/500" in s)

    # The statement: the top-up, the clearing and the refund.
    pane.keys("S")
    # Opened within the second the refund settled (the window's end once cut it off).
    screen = pane.wait_for(lambda s: "Statement" in s and "operations" in s and "pay" in s)
    assert re.search(r"refund\s+\+500\.00", screen), screen
    assert re.search(r"pay\s+−1,200\.00", screen), screen
    assert re.search(r"\+10,000\.00", screen), screen
