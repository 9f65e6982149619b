"""The Card API models the client needs at import: the bases (ApiRequest, ApiResponse,
Envelope) and the few models its own code names (request/status's answer, set_pin's request).

Import them from `fpconsole.api.models`, the one place every model is reached from; the
methods' own models (fpconsole.api.method_models) are built there on first use.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from fpconsole.api.fields import Identifier, RequestId

REQUEST_ID_HELP = (
    "UUID unique per request; generated when left empty; "
    "after an unknown outcome poll request/status with it, never send it again"
)


class ApiRequest(BaseModel):
    # Schemas are built on first use: a CLI call validates one model, not fifty.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ApiResponse(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


class Envelope(ApiResponse):
    """Every answer carries these (SPEC §1.5); error details are INFERRED from sibling APIs."""

    status: str
    request_status: str | None = None
    dt: str | None = None
    error_code: str | None = None
    error_description: str | None = None


class SetPinRequest(ApiRequest):
    # SPEC §3.10 lists no request_id; we always send one (harmless, and it lets us poll).
    request_id: RequestId | None = Field(default=None, title="Request id", description=REQUEST_ID_HELP)
    card_id: Identifier = Field(title="Card id")
    pin: Annotated[str, Field(min_length=4, max_length=512)] | None = Field(
        default=None,
        repr=False,  # a repr ends up in logs
        title="PIN",
        description="Encrypted PIN block (AES-256); leave empty to have the processor generate one",
        json_schema_extra={"x-secret": True},
    )


class CardRef(ApiResponse):
    card_id: str


class RequestStatusResponse(Envelope):
    cards: list[CardRef] = Field(default_factory=list)
    client_id: str | None = None
    # The "Transaction request status" page (same path) marks both required for a transaction
    # request (SPEC §3.23a); other requests answer without them.
    transaction_id: str | None = None
    fin_document_id: str | None = None


__all__ = [
    "REQUEST_ID_HELP",
    "ApiRequest",
    "ApiResponse",
    "CardRef",
    "Envelope",
    "RequestStatusResponse",
    "SetPinRequest",
]
