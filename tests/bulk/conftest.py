"""Bulk onboarding tests run against the real sandbox engine in-process (delay 0, a fresh
in-memory database per test), with fast polling so a 200-row file takes well under a second.

Helpers reach test modules as fixtures (`sandbox`, `bulk_csv`), never by `import conftest`:
other test folders have conftest modules of their own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fpconsole.api.client import CardApiClient, ClientOptions, PollPolicy
from fpconsole.api.events import ClientEvent, RequestSent
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.bulk.calls import RetryPolicy
from fpconsole.bulk.columns import COLUMNS
from fpconsole.bulk.csvfile import BulkFile, read_bulk_file
from fpconsole.bulk.runner import BulkRunner, CardsMode, RowResult
from fpconsole.bulk.state import FileState, open_file_state
from fpconsole.sandbox.embedded import SandboxTransport, embedded_transport
from fpconsole.sandbox.faults import FaultSpec
from fpconsole.sandbox.settings import SandboxSettings

PARTNER = BUILTIN_SANDBOX_AUTH_ID

FAST = RetryPolicy(
    poll=PollPolicy(first_delay=0.001, factor=2.0, max_delay=0.02, total=10.0),
    first_backoff=0.002,
    max_backoff=0.02,
)

# Lines (as in the file, header = line 1) of the generated file that are bad on purpose, with
# the field each one names.
BAD_ROWS: dict[int, str] = {
    7: "client.phone",  # '+7 701 …'
    40: "client.first_name",  # Cyrillic
    77: "client.document",  # product 1000 without its KYC fields
    120: "client.birthdate",  # not a date
    181: "product_id",  # unknown product
}


def good_row(index: int, product_id: int = 2000) -> dict[str, str]:
    return {
        "product_id": str(product_id),
        "phone": f"7701{index:07d}",
        "type": "1",
        "resident": "1",
        "first_name": "ALIYA",
        "last_name": f"TESTOVA{'ABCDEFGHIJ'[index % 10]}",
        "birthdate": "1992-04-17",
        "email": f"client{index}@example.kz",
        "country": "KAZ",
        "person_id": f"92041740{index:04d}",
        "language": "ru",
        "external_user_id": f"crm-{index}",
        "address1_country": "KAZ" if index % 3 == 0 else "",
        "address1_postal_code": "050000" if index % 3 == 0 else "",
        "address1_city": "Almaty" if index % 3 == 0 else "",
        "address1_street": "Abay ave" if index % 3 == 0 else "",
        "address1_building": f"{index}, apt 5" if index % 3 == 0 else "",
    }


def bad_row(line: int, index: int) -> dict[str, str]:
    row = good_row(index)
    field = BAD_ROWS[line]
    if field == "client.phone":
        row["phone"] = "+7 701 123 45 67"
    elif field == "client.first_name":
        row["first_name"] = "Алия"
    elif field == "client.document":
        row["product_id"] = "1000"
        row["country"] = ""
    elif field == "client.birthdate":
        row["birthdate"] = "17.04.1992"
    elif field == "product_id":
        row["product_id"] = "4242"
    return row


def render_csv(rows: Iterable[dict[str, str]], columns: Iterable[str] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def make_csv(folder: Path, count: int = 200, *, bad: bool = True, name: str = "clients.csv") -> Path:
    """`count` data rows; with `bad`, the rows on BAD_ROWS' lines are broken."""
    rows = []
    for index in range(count):
        line = index + 2
        rows.append(bad_row(line, index) if bad and line in BAD_ROWS else good_row(index))
    path = folder / name
    path.write_text(render_csv(rows), encoding="utf-8")
    return path


@dataclass
class Sandbox:
    """An in-process sandbox and a real client talking to it."""

    transport: SandboxTransport
    client: CardApiClient
    sent: list[RequestSent] = field(default_factory=list)

    def counts(self) -> tuple[int, int]:
        """(clients, cards) the partner has."""
        snap = self.transport.engine.snapshot(partner=PARTNER)
        return len(snap["clients"]), len(snap["cards"])

    def snapshot(self) -> dict[str, Any]:
        return self.transport.engine.snapshot(partner=PARTNER)

    def sent_of(self, method: str) -> list[RequestSent]:
        return [event for event in self.sent if event.method == method]

    async def set_faults(self, spec: dict[str, Any]) -> None:
        await self.client.post_control("/sandbox/faults", spec)


def make_client(transport: SandboxTransport, **options: Any) -> CardApiClient:
    return CardApiClient(
        base_url="http://sandbox.test",
        auth_id=BUILTIN_SANDBOX_AUTH_ID,
        secret=BUILTIN_SANDBOX_SECRET,
        transport=transport,
        options=ClientOptions(retry_backoff=0.002, **options),
    )


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    transport = embedded_transport(SandboxSettings.default(delay=0, rng_seed=7, faults=FaultSpec()))
    client = make_client(transport)
    box = Sandbox(transport, client)

    def record(event: ClientEvent) -> None:
        if isinstance(event, RequestSent):
            box.sent.append(event)

    client.subscribe(record)
    yield box
    await client.aclose()


@dataclass
class Harness:
    """Runs a bulk file against a sandbox with resume state in the test's FPCONSOLE_HOME."""

    sandbox: Sandbox
    profile: str = "sandbox"

    def state(self, bulk_file: BulkFile) -> FileState:
        return open_file_state(self.profile, bulk_file.fingerprint)

    def runner(
        self,
        bulk_file: BulkFile,
        state: FileState,
        *,
        cards: CardsMode = "each",
        in_flight: int = 12,
        client: CardApiClient | None = None,
        **kwargs: Any,
    ) -> BulkRunner:
        return BulkRunner(
            client or self.sandbox.client,
            bulk_file.rows,
            store=state,
            in_flight=in_flight,
            cards=cards,
            policy=kwargs.pop("policy", FAST),
            **kwargs,
        )

    async def run(self, path: Path, **kwargs: Any) -> tuple[list[RowResult], BulkRunner]:
        bulk_file = read_bulk_file(path)
        with self.state(bulk_file) as state:
            runner = self.runner(bulk_file, state, **kwargs)
            results = await runner.run()
        return results, runner


@pytest.fixture
def harness(sandbox: Sandbox) -> Harness:
    return Harness(sandbox)


@pytest.fixture
def bulk_csv(tmp_path: Path) -> Callable[..., Path]:
    def factory(count: int = 200, *, bad: bool = True, name: str = "clients.csv") -> Path:
        return make_csv(tmp_path, count, bad=bad, name=name)

    return factory


class Kit:
    """The module's helpers and constants, for test modules (see the module docstring)."""

    PARTNER = PARTNER
    FAST = FAST
    BAD_ROWS = BAD_ROWS
    good_row = staticmethod(good_row)
    render_csv = staticmethod(render_csv)
    make_csv = staticmethod(make_csv)
    make_client = staticmethod(make_client)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
