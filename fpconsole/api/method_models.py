"""The Card API methods' request and response models (SPEC §3), built on first use.

Reached through `fpconsole.api.models` (`models.ClientData`), which builds only the bases and
what the client imports (fpconsole.api.base_models); the first such name imports this module.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AliasChoices, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from fpconsole.api.base_models import REQUEST_ID_HELP, ApiRequest, ApiResponse, Envelope
from fpconsole.api.dictionaries import (
    CLIENT_TYPES,
    KYC_PRODUCT,
    KYC_REQUIRED_FIELDS,
    LIMIT_AMOUNT_TYPES,
    LIMIT_OBJECT_TYPES,
    LIMIT_PERIODS,
    LIMIT_TRANSACTION_TYPES,
    PRODUCTS,
    RESIDENCY,
)
from fpconsole.api.fields import (
    Amount,
    BirthDate,
    Country,
    Currency,
    Document,
    Email,
    Identifier,
    Language,
    LatinName,
    LimitValue,
    LookupRequestId,
    Phone,
    PhoneText,
    Reason,
    RequestId,
    Rfc3339,
    ShortText,
    Uuid,
    code_choice,
    text_choice,
    whole_number,
)


def _labels(codes: dict[int, str]) -> dict[str, Any]:
    return {"x-labels": {str(code): label for code, label in codes.items()}}


ProductId = Annotated[
    int,
    code_choice(PRODUCTS, "product"),
    WithJsonSchema({"type": "integer", "enum": list(PRODUCTS), **_labels(PRODUCTS)}),
]
ClientType = Annotated[
    int,
    code_choice(CLIENT_TYPES, "client type"),
    WithJsonSchema({"type": "integer", "enum": list(CLIENT_TYPES), **_labels(CLIENT_TYPES)}),
]
Residency = Annotated[
    int,
    code_choice(RESIDENCY, "residency"),
    WithJsonSchema({"type": "integer", "enum": list(RESIDENCY), **_labels(RESIDENCY)}),
]
LimitObjectType = Annotated[
    str,
    text_choice(LIMIT_OBJECT_TYPES),
    WithJsonSchema({"type": "string", "enum": list(LIMIT_OBJECT_TYPES)}),
]
LimitTransactionType = Annotated[
    str,
    text_choice(LIMIT_TRANSACTION_TYPES),
    WithJsonSchema({"type": "string", "enum": list(LIMIT_TRANSACTION_TYPES)}),
]
LimitPeriod = Annotated[
    str, text_choice(LIMIT_PERIODS), WithJsonSchema({"type": "string", "enum": list(LIMIT_PERIODS)})
]
LimitAmountType = Annotated[
    str,
    text_choice(LIMIT_AMOUNT_TYPES),
    WithJsonSchema({"type": "string", "enum": list(LIMIT_AMOUNT_TYPES)}),
]

# --- shared request shapes ----------------------------------------------------------------


class RequestIdOnly(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)


class StatusQuery(RequestIdOnly):
    """request/status and its transaction twin: the id is that of an earlier request."""

    request_id: LookupRequestId = Field(
        title="Request id", description="The request_id of the earlier request to look up"
    )


class CardRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    card_id: Identifier = Field(title="Card id", description="Card id in Freedom Processing")


class CardWithReasonRequest(CardRequest):
    # The console says "Reason"; `reason=` is accepted too, and the body keeps the API's name.
    description: Reason = Field(
        title="Reason",
        description="Why; kept by the processor with the change",
        validation_alias=AliasChoices("description", "reason"),
    )

    @model_validator(mode="before")
    @classmethod
    def _one_reason(cls, data: Any) -> Any:
        if isinstance(data, dict) and "description" in data and "reason" in data:
            raise PydanticCustomError(
                "alias_twice", "is another name for description; give one of the two", {"field": "reason"}
            )
        return data


class CardWindowRequest(ApiRequest):
    # Statement methods list no request_id; we send one anyway (SPEC §5.9).
    request_id: RequestId | None = Field(default=None, title="Request id", description=REQUEST_ID_HELP)
    card_id: Identifier = Field(title="Card id")
    start_date: Rfc3339 | None = Field(
        default=None, title="From", description="RFC 3339, e.g. 2025-04-01T00:00:00+05:00"
    )
    end_date: Rfc3339 | None = Field(
        default=None, title="To", description="RFC 3339, e.g. 2025-04-30T23:59:59+05:00"
    )

    @model_validator(mode="after")
    def _window_in_order(self) -> CardWindowRequest:
        require_window_in_order(self.start_date, self.end_date)
        return self


def require_window_in_order(start_date: str | None, end_date: str | None) -> None:
    from datetime import datetime

    if start_date and end_date:
        start = datetime.fromisoformat(start_date.replace("Z", "+00:00"))
        end = datetime.fromisoformat(end_date.replace("Z", "+00:00"))
        if end < start:
            raise PydanticCustomError("window", "must not be before start_date", {"field": "end_date"})


class StatementExtendedRequest(ApiRequest):
    """Statement extended needs its window (SPEC §3.17): start_date and end_date are required
    here, where Statement (CardWindowRequest) leaves them optional."""

    request_id: RequestId | None = Field(default=None, title="Request id", description=REQUEST_ID_HELP)
    card_id: Identifier = Field(title="Card id")
    start_date: Rfc3339 = Field(title="From", description="RFC 3339, e.g. 2025-04-01T00:00:00+05:00")
    end_date: Rfc3339 = Field(title="To", description="RFC 3339, e.g. 2025-04-30T23:59:59+05:00")

    @model_validator(mode="after")
    def _window_in_order(self) -> StatementExtendedRequest:
        require_window_in_order(self.start_date, self.end_date)
        return self


# --- clients ------------------------------------------------------------------------------


class Address(ApiRequest):
    country: Country = Field(title="Country", description="ISO alpha-3, e.g. KAZ")
    postal_code: Identifier = Field(title="Postal code")
    address_line1: ShortText = Field(title="City")
    address_line2: ShortText = Field(title="Street")
    address_line3: ShortText = Field(title="Building / premises")


class IdentificationInfo(ApiRequest):
    idn_date: Rfc3339 = Field(title="Identified at", description="When the client was identified (RFC 3339)")
    identified_by: ShortText = Field(title="Identified by", description="Who identified the client")


class ClientData(ApiRequest):
    phone: Phone = Field(title="Phone", description="Digits with country code, e.g. 77011234567")
    type: ClientType = Field(title="Client type")
    resident: Residency = Field(title="Residency")
    first_name: LatinName = Field(title="First name", description="Latin script")
    last_name: LatinName = Field(title="Last name", description="Latin script")
    middle_name: LatinName | None = Field(default=None, title="Middle name", description="Latin script")
    birthdate: BirthDate | None = Field(default=None, title="Birth date", description="YYYY-MM-DD")
    email: Email | None = Field(default=None, title="E-mail")
    country: Country | None = Field(
        default=None,
        title="Country",
        description="Residence, ISO alpha-3; required for product 1000",
    )
    person_id: Identifier | None = Field(
        default=None, title="National id", description="IIN / tax number; required for product 1000"
    )
    language: Language | None = Field(default=None, title="Language", description="ISO 639-1, e.g. ru")
    document: Document | None = Field(
        default=None,
        title="ID document",
        description="Base64 PDF, at most 2 MB; required for product 1000",
    )
    external_user_id: Identifier | None = Field(default=None, title="External user id")
    address1: Address | None = Field(
        default=None, title="Registration address", description="Required for product 1000"
    )
    address2: Address | None = Field(
        default=None, title="Residential address", description="Required for product 1000"
    )
    identification_info: IdentificationInfo | None = Field(default=None, title="Identification")


def require_kyc(product_id: int, client: ClientData | None) -> None:
    """Product 1000 (Freedom Wallet Card) makes five client fields mandatory (SPEC §4.2)."""
    if product_id != KYC_PRODUCT or client is None:
        return
    missing = [name for name in KYC_REQUIRED_FIELDS if getattr(client, name) is None]
    if missing:
        raise PydanticCustomError(
            "kyc_required",
            "product_id 1000 (Freedom Wallet Card) requires {missing}",
            {
                "missing": ", ".join(f"client.{name}" for name in missing),
                "fields": [f"client.{n}" for n in missing],
            },
        )


class ClientAddRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    product_id: ProductId = Field(title="Product")
    branch_id: Identifier | None = Field(default=None, title="Branch id")
    client: ClientData = Field(title="Client")

    @model_validator(mode="after")
    def _kyc(self) -> ClientAddRequest:
        require_kyc(self.product_id, self.client)
        return self


class PhoneOnly(ApiRequest):
    phone: Phone = Field(title="New phone", description="Receives 3-D Secure codes, e.g. 77017654321")


class ClientUpdateRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    client_id: Identifier = Field(title="Client id")
    product_id: ProductId = Field(title="Product")
    client: PhoneOnly = Field(title="Client")


class CardLinkRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    client_id: Identifier = Field(title="Client id")
    card_id: Identifier = Field(title="Card id", description="A card from Bulk issue with no client yet")


class ClientCardsRequest(ApiRequest):
    request_id: RequestId | None = Field(default=None, title="Request id", description=REQUEST_ID_HELP)
    client_id: Identifier = Field(title="Client id")


# --- cards --------------------------------------------------------------------------------


class BulkIssueRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    product_id: ProductId = Field(title="Product")
    count: Annotated[int, whole_number(1, 500, 10)] = Field(
        ge=1, le=500, title="Number of cards", description="1–500 cards with no client yet"
    )


class Cardholder(ApiRequest):
    """The older draft's inline cardholder (SPEC §3.5), accepted as an alternative to client_id."""

    first_name: LatinName
    last_name: LatinName
    middle_name: LatinName | None = None
    birthdate: BirthDate | None = None
    phone: Phone
    email: Email | None = None
    country: Country
    person_id: Identifier


class CardIssueRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    product_id: ProductId = Field(title="Product")
    client_id: Identifier | None = Field(
        default=None, title="Client id", description="The client the card is for"
    )
    cardholder: Cardholder | None = Field(
        default=None,
        title="Cardholder",
        description="Older draft shape; use client_id",
        json_schema_extra={"x-form": False},
    )

    @model_validator(mode="after")
    def _one_holder(self) -> CardIssueRequest:
        if (self.client_id is None) == (self.cardholder is None):
            raise PydanticCustomError(
                "holder",
                "give either client_id (from Create client) or, in the older shape, cardholder",
                {"field": "client_id"},
            )
        return self


class CardIssuePlasticRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    card_id: Identifier = Field(title="Card id", description="The virtual card to make a plastic for")
    branch_id: Identifier | None = Field(default=None, title="Delivery branch id")


# --- transactions -------------------------------------------------------------------------


class TransactionCreateRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    order_id: Identifier = Field(title="Order id", description="Your order reference")
    card_id: Identifier = Field(title="Card id")
    amount: Amount = Field(title="Amount", description="Major units, at most 2 decimals, e.g. 3500.50")
    currency: Currency = Field(default="KZT", title="Currency", description="ISO 4217, e.g. KZT")
    description: Reason | None = Field(default=None, title="Description")


class TransactionClearingRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    order_id: Identifier | None = Field(default=None, title="Order id")
    transaction_id: Identifier = Field(title="Transaction id")
    amount: Amount | None = Field(
        default=None, title="Amount", description="Leave empty to clear the whole held amount"
    )


class TransactionRefundRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    order_id: Identifier = Field(title="Order id")
    transaction_id: Identifier = Field(title="Transaction id")
    description: Reason | None = Field(default=None, title="Description")
    amount: Amount | None = Field(
        default=None, title="Amount", description="Leave empty to refund everything cleared"
    )


class TransactionInfoRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    transaction_id: Identifier = Field(title="Transaction id")


# --- cardholder validation, limits ----------------------------------------------------------


class CardholderValidateRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    user_phone: PhoneText = Field(title="Phone", description="Digits with country code")
    first_name: LatinName = Field(title="First name")
    last_name: LatinName = Field(title="Last name")
    card_token: Uuid = Field(title="Card token", description="UUID token of the card")


class LimitObject(ApiRequest):
    type: LimitObjectType = Field(title="Applies to")
    value: Identifier = Field(title="Id", description="Card, account or client id")


class LimitAmount(ApiRequest):
    type: LimitAmountType = Field(default="max", title="Kind")
    value: LimitValue = Field(title="Maximum")
    currency: Currency = Field(default="KZT", title="Currency")


class LimitRule(ApiRequest):
    transaction_type: LimitTransactionType = Field(title="Transaction type")
    region: Identifier | None = Field(default=None, title="Region")
    period: LimitPeriod | None = Field(default=None, title="Period")
    amount: list[LimitAmount] | None = Field(default=None, title="Amounts")


class LimitsSetRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    object: LimitObject = Field(title="Object")
    limits: list[LimitRule] = Field(min_length=1, max_length=32, title="Limits")


class LimitsListRequest(ApiRequest):
    request_id: RequestId = Field(title="Request id", description=REQUEST_ID_HELP)
    object: LimitObject = Field(title="Object")


# --- responses ----------------------------------------------------------------------------


class ClientAddResponse(Envelope):
    client_id: str | None = None


class CardInfo(ApiResponse):
    """INFERRED (SPEC §3.13): the response body was never captured."""

    card_id: str
    card_mask: str | None = None
    status: str | None = None
    client_id: str | None = None
    product_id: int | None = None
    expiry: str | None = None
    currency: str | None = None
    iban: str | None = None
    pin_set: bool | None = None
    pin_tries_left: int | None = None
    plastic_status: str | None = None
    card_token: str | None = None
    status_reason: str | None = None


class CardInfoResponse(Envelope):
    card: CardInfo | None = None


class Account(ApiResponse):
    iban: str | None = None
    currency: str | None = None
    debit: Decimal | None = None
    credit: Decimal | None = None
    amount: Decimal | None = None
    blocked_amount: Decimal | None = None


class Balances(ApiResponse):
    accounts: list[Account] = Field(default_factory=list)


class BalanceResponse(Envelope):
    balances: Balances | None = None


class SecretData(ApiResponse):
    """INFERRED (SPEC §3.15): PAN, expiry and CVV; every field is secret."""

    # Out of repr: a repr ends up in logs.
    pan: str | None = Field(default=None, repr=False)
    expiry: str | None = Field(default=None, repr=False)
    cvv: str | None = Field(default=None, repr=False)


class SecretDataResponse(Envelope):
    data: SecretData | None = None


class Merchant(ApiResponse):
    name: str | None = None
    city: str | None = None
    country: str | None = None


class Operation(ApiResponse):
    type: str
    amount: Decimal
    commission: Decimal = Decimal(0)
    currency: str
    mcc: int | None = None
    datetime: str
    rrn: str | None = None
    merchant: Merchant | None = None


class StatementResponse(Envelope):
    operations: list[Operation] = Field(default_factory=list)


class AdditionalParameter(ApiResponse):
    key: str
    value: Any = None


class Authorization(ApiResponse):
    datetime: str | None = None
    type: str | None = None
    amount: Decimal | None = None
    commission: Decimal | None = None
    full_amount: Decimal | None = None
    cashback: Decimal | None = None
    currency: str | None = None
    iban: str | None = None
    merchant: Merchant | None = None
    additional_parameters: list[AdditionalParameter] = Field(default_factory=list)


class CardMask(ApiResponse):
    card_id: str | None = None
    card_mask: str | None = None


class StatementExtendedResponse(Envelope):
    # The docs mark every field of this answer optional, status included (SPEC §3.17).
    status: str | None = None  # type: ignore[assignment]
    client_id: str | None = None
    card: CardMask | None = None
    balances: Balances | None = None
    authorizations: list[Authorization] = Field(default_factory=list)
    operations: list[Authorization] = Field(default_factory=list)


class CardSummary(ApiResponse):
    card_id: str
    card_mask: str | None = None
    status: str | None = None


class ClientCardsResponse(Envelope):
    cards: list[CardSummary] = Field(default_factory=list)


class TransactionCreateResponse(Envelope):
    transaction_id: str | None = None


class TransactionState(ApiResponse):
    """status/error_* are confirmed; the amounts and ids are the sandbox's INFERRED additions."""

    status: str | None = None
    error_code: str | None = None
    error_description: str | None = None
    transaction_id: str | None = None
    card_id: str | None = None
    order_id: str | None = None
    amount: Decimal | None = None
    held: Decimal | None = None
    cleared: Decimal | None = None
    refunded: Decimal | None = None
    currency: str | None = None


class TransactionInfoResponse(Envelope):
    transaction: TransactionState | None = None
    additional: list[AdditionalParameter] = Field(default_factory=list)


class CardholderValidateResponse(Envelope):
    score: str | None = None
    fishy: int | None = None


class LimitState(ApiResponse):
    """INFERRED names (SPEC §3.26)."""

    transaction_type: str
    period: str | None = None
    max: str | None = None
    currency: str | None = None
    counter: str | None = None
    available: str | None = None


class LimitsListResponse(Envelope):
    limits: list[LimitState] = Field(default_factory=list)


__all__ = [
    "Account",
    "AdditionalParameter",
    "Address",
    "Authorization",
    "BalanceResponse",
    "Balances",
    "BulkIssueRequest",
    "CardInfo",
    "CardInfoResponse",
    "CardIssuePlasticRequest",
    "CardIssueRequest",
    "CardLinkRequest",
    "CardMask",
    "CardRequest",
    "CardSummary",
    "CardWindowRequest",
    "CardWithReasonRequest",
    "Cardholder",
    "CardholderValidateRequest",
    "CardholderValidateResponse",
    "ClientAddRequest",
    "ClientAddResponse",
    "ClientCardsRequest",
    "ClientCardsResponse",
    "ClientData",
    "ClientType",
    "ClientUpdateRequest",
    "IdentificationInfo",
    "LimitAmount",
    "LimitAmountType",
    "LimitObject",
    "LimitObjectType",
    "LimitPeriod",
    "LimitRule",
    "LimitState",
    "LimitTransactionType",
    "LimitsListRequest",
    "LimitsListResponse",
    "LimitsSetRequest",
    "Merchant",
    "Operation",
    "PhoneOnly",
    "ProductId",
    "RequestIdOnly",
    "Residency",
    "SecretData",
    "SecretDataResponse",
    "StatementExtendedRequest",
    "StatementExtendedResponse",
    "StatementResponse",
    "StatusQuery",
    "TransactionClearingRequest",
    "TransactionCreateRequest",
    "TransactionCreateResponse",
    "TransactionInfoRequest",
    "TransactionInfoResponse",
    "TransactionRefundRequest",
    "TransactionState",
    "require_kyc",
    "require_window_in_order",
]
