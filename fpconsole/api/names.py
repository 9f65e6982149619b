"""The Card API's method names, the one place they are spelled.

Pydantic-free (and so cheap to import): the console's screens name a method at import time and
load the registry (`fpconsole.api.methods`, which needs the request models) on first use. A
`MethodName` is a `str`, so it goes wherever a name went before (journal rows, events, `call`).
A test (tests/test_method_names.py) fails on a method name written as a string anywhere else.
"""

from __future__ import annotations

from enum import StrEnum


class MethodName(StrEnum):
    CLIENT_ADD = "client.add"
    CLIENT_UPDATE = "client.update"
    CLIENT_CARDS = "client.cards"
    CARD_LINK = "card.link"
    CARD_BULK_ISSUE = "card.bulk_issue"
    CARD_ISSUE = "card.issue"
    CARD_ISSUE_PLASTIC = "card.issue_plastic"
    CARD_ACTIVATE = "card.activate"
    CARD_BLOCK = "card.block"
    CARD_UNBLOCK = "card.unblock"
    CARD_SET_PIN = "card.set_pin"
    CARD_RESET_PIN_COUNTER = "card.reset_counter_pin"
    CARD_CLOSE = "card.close"
    CARD_INFO = "card.info"
    CARD_BALANCE = "card.balance"
    CARD_SECRET_DATA = "card.secret_data"
    CARD_STATEMENT = "card.statement"
    CARD_STATEMENT_EXTENDED = "card.statement_extended"
    REQUEST_STATUS = "request.status"
    TRANSACTION_CREATE = "transaction.create"
    TRANSACTION_CLEARING = "transaction.clearing"
    TRANSACTION_REFUND = "transaction.refund"
    TRANSACTION_INFO = "transaction.info"
    TRANSACTION_REQUEST_STATUS = "transaction.request_status"
    CARDHOLDER_VALIDATE = "external.cardholder_validate"
    LIMITS_SET = "limits.set"
    LIMITS_LIST = "limits.list"
