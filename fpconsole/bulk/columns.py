"""The bulk CSV's columns and where each one goes in a `client.add` body (SPEC §3.1).

One table is the single source for the header check, the body builder and the error messages
(which name the model's field and, where it differs, the column a person has to fix).
"""

from __future__ import annotations

from typing import Final

# Column → dotted path in the client.add body. Order is the documented column order.
COLUMNS: Final[dict[str, str]] = {
    "product_id": "product_id",
    "phone": "client.phone",
    "type": "client.type",
    "resident": "client.resident",
    "first_name": "client.first_name",
    "last_name": "client.last_name",
    "middle_name": "client.middle_name",
    "birthdate": "client.birthdate",
    "email": "client.email",
    "country": "client.country",
    "person_id": "client.person_id",
    "language": "client.language",
    "document_path": "client.document",  # a PDF file, read and base64-encoded when sent
    "external_user_id": "client.external_user_id",
    **{
        f"{address}_{suffix}": f"client.{address}.{field}"
        for address in ("address1", "address2")
        for suffix, field in (
            ("country", "country"),
            ("postal_code", "postal_code"),
            ("city", "address_line1"),
            ("street", "address_line2"),
            ("building", "address_line3"),
        )
    },
    "branch_id": "branch_id",
}

# Without these no row could ever be valid, so a header lacking one is a bad file, not bad rows.
REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "product_id",
    "phone",
    "type",
    "resident",
    "first_name",
    "last_name",
)

DOCUMENT_COLUMN: Final = "document_path"

_BY_PATH: Final[dict[str, str]] = {path: column for column, path in COLUMNS.items()}


def column_for(path: str) -> str | None:
    """The CSV column that feeds a body field (client.address1.address_line1 → address1_city)."""
    return _BY_PATH.get(path)


def describe_field(path: str) -> str:
    """The field as shown in a row error: the model's path, plus the column when its name
    is not simply the path's last part (so `client.phone`, but
    `client.address1.address_line1 [address1_city]`)."""
    column = column_for(path)
    if column is None or column == path.rsplit(".", 1)[-1]:
        return path
    return f"{path} [{column}]"
