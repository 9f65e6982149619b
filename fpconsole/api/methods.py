"""The one registry of Card API methods. Everything else is derived from it: the client's calls,
the sandbox's routes, the console's forms and menus, `fpconsole call` and the OpenAPI document.

`confidence` says how much of the entry the vendor docs confirm; `inferred` says what exactly
is a guess (SPEC.md INFERRED items), so a correction from the real docs is an edit here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final, Literal

from fpconsole.api import lifecycle
from fpconsole.api import models as m
from fpconsole.api.names import MethodName

PREFIX: Final = "/v5/card-api/"

Confidence = Literal["confirmed", "partial", "inferred"]
Group = Literal["client", "card", "transaction", "limits", "status"]


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The question the console asks before sending (the house rule: what destroys confirms)."""

    message: str  # what happens, in the operator's words
    danger: bool = False  # destructive: the dialog is in the error colour
    # On a production profile the card's last four digits (or its id) and a reason are typed.
    typed_on_production: bool = False


@dataclass(frozen=True, slots=True)
class Method:
    name: str  # "card.block"
    title: str  # "Block card", the docs' menu label
    path: str  # "/v5/card-api/card/block"
    # The models, reached on first use: building them is most of the API's import time
    # (fpconsole.api.models); `request` and `response` below are what callers use.
    load_request: Callable[[], type[m.ApiRequest]]
    load_response: Callable[[], type[m.Envelope]]
    group: Group
    changes_state: bool  # needs a fresh request_id, confirmation, a journal entry
    may_process: bool  # may answer request_status=process, to be polled on request/status
    confidence: Confidence
    inferred: str = ""  # what in this entry is a guess (empty when all is confirmed)
    request_secret_fields: frozenset[str] = frozenset()  # dotted paths never shown or stored
    response_secret_fields: frozenset[str] = frozenset()
    target_fields: tuple[str, ...] = ()  # ids the request is about, for journal and lists
    aliases: tuple[str, ...] = ()  # other paths the same method is served on
    reads_secret: bool = False  # answers with card secrets: reveal needs an explicit step
    # request_id names an EARLIER request to look up (request/status), so it is never generated:
    # a fresh id would ask about a request that does not exist.
    looks_up_request_id: bool = False
    summary: str = ""
    # (name, title) pairs the same entry is also listed and called under: the docs show one path
    # under two menu labels (Request status and Transaction request status, SPEC §3.23a).
    also_named: tuple[tuple[str, str], ...] = ()

    # What it does to a card (lifecycle.CARD_RULES: the statuses it needs, the status after).
    card_action: lifecycle.CardAction | None = None
    # What it does to a transaction's money (lifecycle: the limit, the status after).
    ledger_move: lifecycle.LedgerMove | None = None
    confirmation: Confirmation | None = None  # asked before sending; None: sent without a question
    # Its own form class, as "module:Class" (a string: the core never imports the console).
    form_class: str = ""
    creates_cards: bool = False  # a success answers new cards, worth reading at once

    @property
    def request(self) -> type[m.ApiRequest]:
        return self.load_request()

    @property
    def response(self) -> type[m.Envelope]:
        return self.load_response()

    @property
    def card_status_after(self) -> str | None:
        return lifecycle.card_status_after(self.card_action) if self.card_action else None

    @property
    def transaction_status_after(self) -> str | None:
        return lifecycle.transaction_status_after(self.ledger_move) if self.ledger_move else None

    @property
    def settlement(self) -> lifecycle.Settlement | None:
        """Clearing or refund: takes from an existing transaction within a ledger limit."""
        return lifecycle.settlement_of(self.ledger_move)

    @property
    def short_path(self) -> str:
        return self.path.removeprefix(PREFIX)

    @property
    def has_request_id(self) -> bool:
        return "request_id" in self.request.model_fields

    @property
    def generates_request_id(self) -> bool:
        """A missing request_id is filled in with a fresh UUID (every method but the lookups)."""
        return self.has_request_id and not self.looks_up_request_id

    @property
    def is_confirmed(self) -> bool:
        return self.confidence == "confirmed"


def _method(
    name: MethodName,
    title: str,
    short: str,
    request: Callable[[], type[m.ApiRequest]],
    response: Callable[[], type[m.Envelope]],
    *,
    group: Group,
    changes_state: bool,
    confidence: Confidence,
    inferred: str = "",
    may_process: bool | None = None,
    request_secret_fields: frozenset[str] = frozenset(),
    response_secret_fields: frozenset[str] = frozenset(),
    target_fields: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    reads_secret: bool = False,
    looks_up_request_id: bool = False,
    summary: str = "",
    also_named: tuple[tuple[str, str], ...] = (),
    card_action: lifecycle.CardAction | None = None,
    ledger_move: lifecycle.LedgerMove | None = None,
    confirmation: Confirmation | None = None,
    form_class: str = "",
    creates_cards: bool = False,
) -> Method:
    return Method(
        name=name,
        title=title,
        path=PREFIX + short,
        load_request=request,
        load_response=response,
        group=group,
        changes_state=changes_state,
        may_process=changes_state if may_process is None else may_process,
        confidence=confidence,
        inferred=inferred,
        request_secret_fields=request_secret_fields,
        response_secret_fields=response_secret_fields,
        target_fields=target_fields,
        aliases=aliases,
        reads_secret=reads_secret,
        looks_up_request_id=looks_up_request_id,
        summary=summary,
        also_named=also_named,
        card_action=card_action,
        ledger_move=ledger_move,
        confirmation=confirmation,
        form_class=form_class,
        creates_cards=creates_cards,
    )


CLIENT_ADD = _method(
    MethodName.CLIENT_ADD,
    "Create client",
    "client/add",
    lambda: m.ClientAddRequest,
    lambda: m.ClientAddResponse,
    group="client",
    changes_state=True,
    confidence="confirmed",
    inferred="client_id arrives via request/status once the request succeeds",
    summary="Registers a cardholder; yields client_id",
)
CLIENT_UPDATE = _method(
    MethodName.CLIENT_UPDATE,
    "Edit client",
    "client/update",
    lambda: m.ClientUpdateRequest,
    lambda: m.Envelope,
    group="client",
    changes_state=True,
    confidence="confirmed",
    target_fields=("client_id",),
    inferred="menu label 'Edit client' mapped to client/update",
    summary="Changes the phone that receives 3-D Secure codes",
)
CARD_LINK = _method(
    MethodName.CARD_LINK,
    "Update client (link card)",
    "card/link",
    lambda: m.CardLinkRequest,
    lambda: m.Envelope,
    group="client",
    changes_state=True,
    confidence="confirmed",
    target_fields=("client_id", "card_id"),
    inferred="menu label 'Update client' mapped to card/link",
    summary="Attaches a client to a card from Bulk issue",
    card_action="link",
)
CLIENT_CARDS = _method(
    MethodName.CLIENT_CARDS,
    "Cards' list",
    "client/cards",
    lambda: m.ClientCardsRequest,
    lambda: m.ClientCardsResponse,
    group="client",
    changes_state=False,
    confidence="inferred",
    target_fields=("client_id",),
    inferred="path and body: request client_id, response cards[]{card_id, card_mask, status}",
    summary="Lists a client's cards",
)
CARD_BULK_ISSUE = _method(
    MethodName.CARD_BULK_ISSUE,
    "Bulk issue",
    "card/bulk_issue",
    lambda: m.BulkIssueRequest,
    lambda: m.Envelope,
    group="card",
    changes_state=True,
    confidence="inferred",
    inferred="path and body (count field name); cards[] arrive via request/status",
    summary="Issues N cards with no client, to be linked later",
    creates_cards=True,
)
CARD_ISSUE = _method(
    MethodName.CARD_ISSUE,
    "Issue card",
    "card/issue",
    lambda: m.CardIssueRequest,
    lambda: m.Envelope,
    group="card",
    changes_state=True,
    confidence="partial",
    target_fields=("client_id",),
    inferred="body: client_id (current model) or the older draft's cardholder object",
    summary="Issues a virtual card for a client",
    creates_cards=True,
)
CARD_ISSUE_PLASTIC = _method(
    MethodName.CARD_ISSUE_PLASTIC,
    "Issue plastic card",
    "card/issue_plastic",
    lambda: m.CardIssuePlasticRequest,
    lambda: m.Envelope,
    group="card",
    changes_state=True,
    confidence="inferred",
    target_fields=("card_id",),
    inferred="path and body: card_id of the virtual card plus an optional delivery branch_id",
    summary="Orders a physical card for an existing card",
    card_action="issue_plastic",
    creates_cards=True,
)
CARD_ACTIVATE = _method(
    MethodName.CARD_ACTIVATE,
    "Activate card",
    "card/activate",
    lambda: m.CardRequest,
    lambda: m.Envelope,
    group="card",
    changes_state=True,
    confidence="inferred",
    target_fields=("card_id",),
    inferred="path and body modelled on sibling card methods",
    card_action="activate",
)
CARD_BLOCK = _method(
    MethodName.CARD_BLOCK,
    "Block card",
    "card/block",
    lambda: m.CardWithReasonRequest,
    lambda: m.Envelope,
    group="card",
    changes_state=True,
    confidence="inferred",
    target_fields=("card_id",),
    inferred="path and body modelled on Unblock card (description = reason)",
    summary="Temporarily blocks a card",
    card_action="block",
    confirmation=Confirmation(
        "The card stops working until it is unblocked.", danger=True, typed_on_production=True
    ),
)
CARD_UNBLOCK = _method(
    MethodName.CARD_UNBLOCK,
    "Unblock card",
    "card/unblock",
    lambda: m.CardWithReasonRequest,
    lambda: m.Envelope,
    group="card",
    changes_state=True,
    confidence="confirmed",
    target_fields=("card_id",),
    summary="Lifts a temporary block",
    card_action="unblock",
)
CARD_SET_PIN = _method(
    MethodName.CARD_SET_PIN,
    "Set PIN",
    "card/set_pin",
    lambda: m.SetPinRequest,
    lambda: m.Envelope,
    group="card",
    changes_state=True,
    confidence="confirmed",
    target_fields=("card_id",),
    request_secret_fields=frozenset({"pin"}),
    inferred="request_id is sent although the docs do not list it; the PIN is encrypted with a public "
    "key of the processing side, in a format the docs leave open: api/pin_block.py is the one place "
    "that makes the block",
    summary="Sets the PIN, or has one generated",
    card_action="set_pin",
    confirmation=Confirmation("The card's PIN will be replaced."),
)
CARD_RESET_PIN_COUNTER = _method(
    MethodName.CARD_RESET_PIN_COUNTER,
    "Reset PIN counter",
    "card/reset_counter_pin",
    lambda: m.CardRequest,
    lambda: m.Envelope,
    group="card",
    changes_state=True,
    confidence="confirmed",
    target_fields=("card_id",),
    summary="Clears the wrong-PIN counter after a lockout",
    card_action="reset_pin_counter",
)
CARD_CLOSE = _method(
    MethodName.CARD_CLOSE,
    "Close card",
    "card/close",
    lambda: m.CardWithReasonRequest,
    lambda: m.Envelope,
    group="card",
    changes_state=True,
    confidence="confirmed",
    target_fields=("card_id",),
    summary="Closes a card for good",
    card_action="close",
    confirmation=Confirmation(
        "Closing is final: the card can never be used again.", danger=True, typed_on_production=True
    ),
)
CARD_INFO = _method(
    MethodName.CARD_INFO,
    "Card info",
    "card/info",
    lambda: m.CardRequest,
    lambda: m.CardInfoResponse,
    group="card",
    changes_state=False,
    confidence="partial",
    target_fields=("card_id",),
    inferred="response: card{card_id, card_mask, status, client_id, product_id, expiry, ...}",
)
CARD_BALANCE = _method(
    MethodName.CARD_BALANCE,
    "Balance",
    "card/balance",
    lambda: m.CardRequest,
    lambda: m.BalanceResponse,
    group="card",
    changes_state=False,
    confidence="inferred",
    target_fields=("card_id",),
    inferred="path; response shaped like statement_extended.balances",
)
CARD_SECRET_DATA = _method(
    MethodName.CARD_SECRET_DATA,
    "Secret data",
    "card/secret_data",
    lambda: m.CardRequest,
    lambda: m.SecretDataResponse,
    group="card",
    changes_state=False,
    confidence="inferred",
    target_fields=("card_id",),
    response_secret_fields=frozenset({"data.pan", "data.cvv", "data.expiry"}),
    reads_secret=True,
    inferred="path and response data{pan, expiry, cvv} (sent in clear by the sandbox)",
    summary="PAN, expiry and CVV of an active or blocked card",
    card_action="read_secret",
)
CARD_STATEMENT = _method(
    MethodName.CARD_STATEMENT,
    "Statement",
    "card/statement",
    lambda: m.CardWindowRequest,
    lambda: m.StatementResponse,
    group="card",
    changes_state=False,
    confidence="confirmed",
    target_fields=("card_id",),
)
CARD_STATEMENT_EXTENDED = _method(
    MethodName.CARD_STATEMENT_EXTENDED,
    "Statement extended",
    "card/statement_extended",
    lambda: m.StatementExtendedRequest,
    lambda: m.StatementExtendedResponse,
    group="card",
    changes_state=False,
    confidence="partial",
    target_fields=("card_id",),
    inferred="operations[] items shaped like authorizations[]",
)
REQUEST_STATUS = _method(
    MethodName.REQUEST_STATUS,
    "Request status",
    "request/status",
    lambda: m.StatusQuery,
    lambda: m.RequestStatusResponse,
    group="status",
    changes_state=False,
    confidence="confirmed",
    looks_up_request_id=True,
    # One path, two menu labels: a transaction request's answer adds transaction_id and
    # fin_document_id (docs page api-14318518).
    also_named=((MethodName.TRANSACTION_REQUEST_STATUS, "Transaction request status"),),
)
TRANSACTION_CREATE = _method(
    MethodName.TRANSACTION_CREATE,
    "Create transaction",
    "transaction/create",
    lambda: m.TransactionCreateRequest,
    lambda: m.TransactionCreateResponse,
    group="transaction",
    changes_state=True,
    confidence="inferred",
    target_fields=("card_id",),
    inferred="path and body; transaction_id in the answer and in request/status",
    summary="Authorises an amount on a card (held until clearing)",
    card_action="spend",
    ledger_move="hold",
    form_class="fpconsole.tui.amount_guard:CreateTransactionForm",
)
TRANSACTION_CLEARING = _method(
    MethodName.TRANSACTION_CLEARING,
    "Clearing transaction",
    "transaction/clearing",
    lambda: m.TransactionClearingRequest,
    lambda: m.Envelope,
    group="transaction",
    changes_state=True,
    confidence="partial",
    target_fields=("transaction_id",),
    inferred="path and fields (by symmetry with refund)",
    summary="Finalises a held amount, in full or in part",
    ledger_move="clearing",
    form_class="fpconsole.tui.amount_guard:TransactionGuardForm",
)
TRANSACTION_REFUND = _method(
    MethodName.TRANSACTION_REFUND,
    "Refund transaction",
    "transaction/refund",
    lambda: m.TransactionRefundRequest,
    lambda: m.Envelope,
    group="transaction",
    changes_state=True,
    confidence="confirmed",
    target_fields=("transaction_id",),
    inferred="amount omitted = full refund",
    summary="Returns a cleared amount, in full or in part",
    ledger_move="refund",
    form_class="fpconsole.tui.amount_guard:TransactionGuardForm",
)
TRANSACTION_INFO = _method(
    MethodName.TRANSACTION_INFO,
    "Transaction info",
    "transaction/info",
    lambda: m.TransactionInfoRequest,
    lambda: m.TransactionInfoResponse,
    group="transaction",
    changes_state=False,
    confidence="partial",
    target_fields=("transaction_id",),
    inferred="path (body confirmed)",
)
CARDHOLDER_VALIDATE = _method(
    MethodName.CARDHOLDER_VALIDATE,
    "Cardholder validation",
    "external/cardholder_validate",
    lambda: m.CardholderValidateRequest,
    lambda: m.CardholderValidateResponse,
    group="card",
    changes_state=False,
    confidence="confirmed",
    aliases=("/v5/partner/external/cardholder_validate",),
    summary="Scores a name and phone against a card token's owner",
)
LIMITS_SET = _method(
    MethodName.LIMITS_SET,
    "Set limits",
    "limits/set",
    lambda: m.LimitsSetRequest,
    lambda: m.Envelope,
    group="limits",
    changes_state=True,
    confidence="confirmed",
    target_fields=("object.value",),
    card_action="set_limits",
    form_class="fpconsole.tui.forms.limits:SetLimitsForm",  # shows the limits in force
)
LIMITS_LIST = _method(
    MethodName.LIMITS_LIST,
    "Limits list",
    "limits/list",
    lambda: m.LimitsListRequest,
    lambda: m.LimitsListResponse,
    group="limits",
    changes_state=False,
    confidence="partial",
    target_fields=("object.value",),
    inferred="response limits[]{transaction_type, period, max, currency, counter, available}",
)


@dataclass(frozen=True)
class Registry:
    methods: tuple[Method, ...]
    _by_key: dict[str, Method] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for method in self.methods:
            also = (name for name, _title in method.also_named)
            for key in (method.name, method.path, method.short_path, *method.aliases, *also):
                if key in self._by_key:
                    raise ValueError(f"duplicate registry key {key!r}")
                self._by_key[key] = method

    def __iter__(self) -> Iterator[Method]:
        return iter(self.methods)

    def __len__(self) -> int:
        return len(self.methods)

    def listing(self) -> Iterator[tuple[str, str, Method]]:
        """(name, title, entry) for every name a user can pick, an entry's other names right
        after it: what `fpconsole methods` and the console's lists show."""
        for method in self.methods:
            yield method.name, method.title, method
            for name, title in method.also_named:
                yield name, title, method

    def title_for(self, key: str) -> str:
        """The menu title of the name asked for: `transaction.request_status` is titled
        "Transaction request status", though its entry is request/status."""
        method = self.resolve(key)
        return dict(method.also_named).get(key.strip(), method.title)

    def get(self, key: str) -> Method | None:
        key = key.strip()
        return (
            self._by_key.get(key)
            or self._by_key.get(key.strip("/"))
            or self._by_key.get("/" + key.strip("/"))
        )

    def resolve(self, key: str) -> Method:
        """A method by name (card.block), path (/v5/card-api/card/block) or short form."""
        method = self.get(key)
        if method is None:
            import difflib

            names = [name for name, _title, _meth in self.listing()]
            names += [meth.short_path for meth in self.methods]
            close = difflib.get_close_matches(key, names, n=3)
            hint = (
                f"; did you mean {', '.join(close)}?" if close else "; run `fpconsole methods` for the list"
            )
            raise KeyError(f"unknown method {key!r}{hint}")
        return method


REGISTRY: Final = Registry(
    (
        CARD_BULK_ISSUE,
        CARD_ISSUE,
        CARD_ISSUE_PLASTIC,
        CARD_ACTIVATE,
        CARD_BLOCK,
        CARD_UNBLOCK,
        CARD_SET_PIN,
        CARD_RESET_PIN_COUNTER,
        CARD_CLOSE,
        CARD_LINK,
        CARD_INFO,
        CARD_BALANCE,
        CARD_SECRET_DATA,
        CARD_STATEMENT,
        CARD_STATEMENT_EXTENDED,
        CLIENT_ADD,
        CLIENT_UPDATE,
        CLIENT_CARDS,
        REQUEST_STATUS,
        TRANSACTION_CREATE,
        TRANSACTION_CLEARING,
        TRANSACTION_REFUND,
        TRANSACTION_INFO,
        CARDHOLDER_VALIDATE,
        LIMITS_SET,
        LIMITS_LIST,
    )
)
