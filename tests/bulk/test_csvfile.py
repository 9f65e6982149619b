"""The bulk CSV: header rules, line numbers, and row errors that name the line and the field."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from fpconsole.bulk.columns import COLUMNS, describe_field
from fpconsole.bulk.csvfile import CsvFormatError, fingerprint, parse_bulk_bytes, read_bulk_file
from fpconsole.bulk.rows import BulkRow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
HEADER = "product_id,phone,type,resident,first_name,last_name"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def parse(text: str, folder: Path = Path("/nonexistent")) -> list[BulkRow]:
    return list(parse_bulk_bytes(text.encode(), folder / "clients.csv").rows)


def only_error(row: BulkRow) -> str:
    assert len(row.errors) == 1, row.errors
    return str(row.errors[0])


def test_a_good_row_becomes_a_client_add_body() -> None:
    [row] = parse(f"{HEADER},middle_name,email\n2000,77011234567,1,1,ALIYA,SERIKOVA,,aliya@example.kz\n")
    assert row.valid and row.line == 2
    body = row.client_add_body("3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10")
    assert body == {
        "request_id": "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10",
        "product_id": "2000",
        "client": {
            "phone": "77011234567",
            "type": "1",
            "resident": "1",
            "first_name": "ALIYA",
            "last_name": "SERIKOVA",
            "email": "aliya@example.kz",
        },
    }  # strings: the request model converts them, exactly as it validated them
    assert "middle_name" not in body["client"]  # empty cell = absent


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("2000,+7 701 123 45 67,1,1,ALIYA,SERIKOVA", "line 2: client.phone: must be digits only"),
        ("2000,77011234567,1,1,Алия,SERIKOVA", "line 2: client.first_name: must be in Latin script"),
        ("2000,77011234567,1,1,ALIYA,", "line 2: client.last_name: is required"),
        ("4242,77011234567,1,1,ALIYA,SERIKOVA", "line 2: product_id: must be one of 1000"),
        ("2000,77011234567,7,1,ALIYA,SERIKOVA", "line 2: client.type: must be one of 1"),
    ],
)
def test_bad_rows_name_the_line_and_the_field(cells: str, expected: str) -> None:
    [row] = parse(f"{HEADER}\n{cells}\n")
    assert not row.valid and row.body is None
    assert only_error(row).startswith(expected)


def test_product_1000_names_every_missing_kyc_field() -> None:
    [row] = parse(f"{HEADER},country\n1000,77011234567,1,1,ALIYA,SERIKOVA,KAZ\n")
    fields = {error.field for error in row.errors}
    assert fields == {"client.person_id", "client.document", "client.address1", "client.address2"}
    assert any(
        str(e).startswith("line 2: client.document [document_path]: is required for product_id 1000")
        for e in row.errors
    )


def test_a_kyc_row_with_its_document_and_addresses_is_valid(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "id.pdf").write_bytes(PDF)
    address = ["KAZ", "050000", "Almaty", "Abay ave", '"10, apt 5"']
    address_columns = ",".join(c for c in COLUMNS if c.startswith("address"))
    text = (
        f"{HEADER},country,person_id,document_path,{address_columns}\n"
        f"1000,77011234567,1,1,ALIYA,SERIKOVA,KAZ,920417400123,docs/id.pdf,{','.join(address * 2)}\n"
    )
    [row] = parse(text, tmp_path)
    assert row.valid, row.errors
    assert row.document == tmp_path / "docs" / "id.pdf"
    assert "document" not in row.body["client"]  # type: ignore[index]  # read again when sent
    body = row.client_add_body("3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10")
    assert base64.b64decode(body["client"]["document"]) == PDF
    assert body["client"]["address1"] == {
        "country": "KAZ",
        "postal_code": "050000",
        "address_line1": "Almaty",
        "address_line2": "Abay ave",
        "address_line3": "10, apt 5",
    }


def test_an_incomplete_address_names_the_column_to_fill() -> None:
    [row] = parse(
        f"{HEADER},address1_country,address1_city\n2000,77011234567,1,1,ALIYA,SERIKOVA,KAZ,Almaty\n"
    )
    messages = [str(e) for e in row.errors]
    assert "line 2: client.address1.address_line2 [address1_street]: is required" in messages
    assert "line 2: client.address1.postal_code [address1_postal_code]: is required" in messages


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda folder: None, "file not found"),
        (lambda folder: (folder / "id.pdf").write_bytes(b"GIF89a not a pdf"), "must be a PDF file"),
        (
            lambda folder: (folder / "id.pdf").write_bytes(b"%PDF-" + b"0" * (2 * 1024 * 1024)),
            "larger than 2 MB",
        ),
        (lambda folder: (folder / "id.pdf").mkdir(), "not a file"),
    ],
)
def test_document_problems(tmp_path: Path, make: Any, expected: str) -> None:
    make(tmp_path)
    [row] = parse(f"{HEADER},document_path\n2000,77011234567,1,1,ALIYA,SERIKOVA,id.pdf\n", tmp_path)
    assert only_error(row).startswith("line 2: client.document [document_path]: ")
    assert expected in only_error(row)


def test_unknown_columns_are_named_with_a_suggestion() -> None:
    with pytest.raises(CsvFormatError) as caught:
        parse(f"{HEADER},frist_name2,shoe_size\n")
    message = str(caught.value)
    assert "'frist_name2' (did you mean 'first_name'?)" in message and "'shoe_size'" in message
    assert "Known columns: product_id, phone" in message


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(CsvFormatError, match=r"lacks required column.*phone, type"):
        parse("product_id,resident,first_name,last_name\n")


def test_a_data_row_is_not_a_header() -> None:
    with pytest.raises(CsvFormatError, match="unknown column"):
        parse("2000,77011234567,1,1,ALIYA,SERIKOVA\n")


@pytest.mark.parametrize("text", ["", "\n\n", " , ,\n"])
def test_an_empty_file_needs_a_header(text: str) -> None:
    with pytest.raises(CsvFormatError, match="empty; the first line must be the header"):
        parse(text)


def test_duplicated_columns_are_refused() -> None:
    with pytest.raises(CsvFormatError, match=r"more than once.*phone"):
        parse(f"{HEADER},phone\n")


def test_not_utf8_says_which_line() -> None:
    data = f"{HEADER}\n2000,77011234567,1,1,ALIYA,SERIKOVA\n".encode() + "2000,1,1,1,Алия,X\n".encode(
        "cp1251"
    )
    with pytest.raises(CsvFormatError, match="line 3 is not UTF-8"):
        parse_bulk_bytes(data, Path("x.csv"))


def test_header_case_bom_semicolons_and_blank_lines() -> None:
    text = (
        "\ufeffPRODUCT_ID; Phone ;type;resident;first_name;last_name\n\n2000;77011234567;1;1;ALIYA;SERIKOVA\n"
    )
    [row] = parse(text)
    assert row.valid and row.line == 3


def test_line_numbers_follow_multi_line_cells() -> None:
    text = (
        f"{HEADER},address1_street\n"
        '2000,77011234567,1,1,ALIYA,SERIKOVA,"Abay ave\nbuilding 2"\n'
        "2000,bad,1,1,ALIYA,SERIKOVA,\n"
    )
    first, second = parse(text)
    assert (first.line, second.line) == (2, 4)
    assert str(second.errors[0]).startswith("line 4: client.phone")


def test_too_many_cells_and_too_few() -> None:
    rows = parse(f"{HEADER}\n2000,77011234567,1,1,ALIYA,SERIKOVA,extra\n2000,77011234567,1,1,ALIYA\n")
    assert only_error(rows[0]) == "line 2: has 7 cells but the header has 6 columns"
    assert only_error(rows[1]) == "line 3: has 5 cells but the header has 6 columns: no cell for last_name"


def test_fingerprint_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"{HEADER}\n")
    assert read_bulk_file(path).fingerprint == fingerprint(path.read_bytes())
    assert len(fingerprint(b"")) == 64


def test_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(CsvFormatError, match="cannot read the file"):
        read_bulk_file(tmp_path / "missing.csv")


def test_describe_field_shows_the_column_only_where_it_differs() -> None:
    assert describe_field("client.phone") == "client.phone"
    assert (
        describe_field("client.address2.address_line3") == "client.address2.address_line3 [address2_building]"
    )
    assert describe_field("client") == "client"


def test_the_samples_parse() -> None:
    clients = read_bulk_file(SAMPLES / "clients.csv")
    assert len(clients.rows) == 20 and not clients.invalid_rows
    kyc = read_bulk_file(SAMPLES / "clients-product1000.csv")
    assert [row.line for row in kyc.invalid_rows] == [5]  # the documented example of a KYC error
    assert all(row.document is not None and row.document.is_file() for row in kyc.valid_rows)
