"""Deterministic demo data for the sandbox: clients, cards in every status, six months of money.

`seed_demo(ctx, count)` runs inside the engine's write transaction and goes through the same
domain functions the API uses (issue, activate, authorise, clear, refund, block, close), with
each step dated in the past, so the data obeys every rule a live sandbox does. All choices come
from one RNG seeded by `count`, and every date is relative to the engine's clock: the same count
and the same clock give the same ids and data.

Demo PIN: cards the seed gives a PIN have PIN "1234" (as sent in set_pin), so verify_pin can be
tried; one of them is locked by three wrong tries.

In two steps (the console's first start: its lists fill from step 1, ~a tenth of the work):
`seed_demo(ctx, count, step="cards")` writes the clients, their cards and their activations and
leaves a "history pending" mark; `seed_demo(ctx, None, step="history")` later writes the rest
(money, blocks and closes, PINs, plastic, limits). Step 2 replays step 1's random draws without
writing, at step 1's clock, so the two steps write exactly the rows and ids one step writes; the
card events step 1 wrote are put back in the order one step gives them (their ids interleave
with the history's blocks and closes).
"""

from __future__ import annotations

import json
import random
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from fpconsole.api.lifecycle import CardAction
from fpconsole.sandbox.engine import cards, clients, ledger, limits, pins, store, transactions
from fpconsole.sandbox.engine.clock import from_db, rfc3339, to_db
from fpconsole.sandbox.engine.context import Ctx
from fpconsole.sandbox.engine.ledger import Merchant
from fpconsole.sandbox.engine.money import to_minor
from fpconsole.sandbox.engine.statuses import ACTIVE, BLOCKED, CLOSED, INACTIVE
from fpconsole.sandbox.errors import SandboxError

MAX_COUNT: Final = 10_000
HISTORY_DAYS: Final = 182
DEMO_PIN: Final = "1234"

# --- names (Latin transliteration, upper case as in the SPEC's examples) ---------------------

_MALE_FIRST: Final = (
    "ARMAN", "DANIYAR", "NURLAN", "YERLAN", "BAUYRZHAN", "AIDOS", "KANAT", "TIMUR", "ASKAR", "DAUREN",
    "YERZHAN", "SANZHAR", "ALIBEK", "MARAT", "RUSLAN", "DMITRY", "SERGEY", "ANDREY", "ALEXEY", "MAXIM",
    "IVAN", "PAVEL",
)  # fmt: skip
_FEMALE_FIRST: Final = (
    "ALIYA", "AIGERIM", "ASEL", "DINARA", "MADINA", "ZHANNA", "SAULE", "GULNARA", "AINUR", "KAMILA",
    "DANA", "ZARINA", "TOMIRIS", "ELENA", "OLGA", "NATALYA", "IRINA", "TATYANA", "ANNA", "YULIA",
)  # fmt: skip
# (male, female) forms
_LAST: Final = (
    ("SERIKOV", "SERIKOVA"), ("NURLANOV", "NURLANOVA"), ("ABENOV", "ABENOVA"), ("ZHUMABAEV", "ZHUMABAEVA"),
    ("ISKAKOV", "ISKAKOVA"), ("KASYMOV", "KASYMOVA"), ("TOKTAROV", "TOKTAROVA"), ("OMAROV", "OMAROVA"),
    ("AKHMETOV", "AKHMETOVA"), ("BEKOV", "BEKOVA"), ("SULEIMENOV", "SULEIMENOVA"), ("ESPOLOV", "ESPOLOVA"),
    ("NAZARBEKOV", "NAZARBEKOVA"), ("ORAZOV", "ORAZOVA"), ("IVANOV", "IVANOVA"), ("PETROV", "PETROVA"),
    ("SMIRNOV", "SMIRNOVA"), ("KUZNETSOV", "KUZNETSOVA"), ("POPOV", "POPOVA"), ("VOLKOV", "VOLKOVA"),
    ("KIM", "KIM"), ("TSOY", "TSOY"),
)  # fmt: skip
_PATRONYMIC: Final = (
    ("SERIKOVICH", "SERIKOVNA"), ("NURLANOVICH", "NURLANOVNA"), ("BOLATOVICH", "BOLATOVNA"),
    ("ASKAROVICH", "ASKAROVNA"), ("MARATOVICH", "MARATOVNA"), ("YERLANOVICH", "YERLANOVNA"),
    ("IVANOVICH", "IVANOVNA"), ("SERGEEVICH", "SERGEEVNA"), ("ALEXANDROVICH", "ALEXANDROVNA"),
)  # fmt: skip
_CITIES: Final = (
    ("ALMATY", "050000"), ("ASTANA", "010000"), ("SHYMKENT", "160000"), ("KARAGANDA", "100000"),
    ("AKTOBE", "030000"), ("PAVLODAR", "140000"),
)  # fmt: skip
_STREETS: Final = (
    "ABAY AVE", "DOSTYK AVE", "AL-FARABI AVE", "TOLE BI ST", "SATPAYEV ST", "KABANBAY BATYR AVE",
    "MANGILIK EL AVE", "RESPUBLIKA AVE",
)  # fmt: skip
_BLOCK_REASONS: Final = ("card lost", "suspicious activity", "customer request", "left in ATM")
_CLOSE_REASONS: Final = ("customer request", "card stolen", "replaced by a new card", "account closed")


@dataclass(frozen=True, slots=True)
class Shop:
    merchant: Merchant
    low: int  # tenge
    high: int
    weight: int


_SHOPS: Final = (
    Shop(Merchant("MAGNUM CASH AND CARRY", "ALMATY", "KAZ", 5411), 2_500, 35_000, 14),
    Shop(Merchant("SMALL SHOP", "ALMATY", "KAZ", 5411), 800, 12_000, 12),
    Shop(Merchant("ARBUZ.KZ", "ALMATY", "KAZ", 5411), 4_000, 30_000, 6),
    Shop(Merchant("STARBUCKS ESENTAI", "ALMATY", "KAZ", 5814), 1_200, 4_500, 8),
    Shop(Merchant("GLOVO", "ASTANA", "KAZ", 5814), 2_500, 12_000, 7),
    Shop(Merchant("YANDEX GO", "ALMATY", "KAZ", 4121), 700, 5_500, 10),
    Shop(Merchant("HELIOS FUEL", "ASTANA", "KAZ", 5541), 6_000, 25_000, 6),
    Shop(Merchant("EUROPHARMA", "SHYMKENT", "KAZ", 5912), 900, 15_000, 5),
    Shop(Merchant("KINOPARK 8", "ALMATY", "KAZ", 7832), 2_800, 9_000, 3),
    Shop(Merchant("SULPAK", "KARAGANDA", "KAZ", 5732), 15_000, 320_000, 2),
    Shop(Merchant("TECHNODOM", "ALMATY", "KAZ", 5732), 9_000, 250_000, 2),
    Shop(Merchant("AIR ASTANA", "ASTANA", "KAZ", 4511), 28_000, 190_000, 1),
    Shop(Merchant("KCELL", "ALMATY", "KAZ", 4814), 2_000, 6_500, 4),
    Shop(Merchant("ALSECO", "ALMATY", "KAZ", 4900), 8_000, 32_000, 3),
    Shop(Merchant("WILDBERRIES", "MOSCOW", "RUS", 5311), 2_000, 45_000, 5),
    Shop(Merchant("ATM FREEDOM BANK", "ALMATY", "KAZ", 6011), 10_000, 80_000, 4),
)
_SHOP_WEIGHTS: Final = tuple(shop.weight for shop in _SHOPS)
_SALARY: Final = Merchant("PAYROLL TRANSFER", "ALMATY", "KAZ", 6012)


@dataclass(order=True)
class _Event:
    at: datetime
    order: int  # tie-breaker: keeps same-moment steps in the order they were planned
    kind: str = field(compare=False)
    args: tuple[Any, ...] = field(compare=False, default=())


Step = Literal["all", "cards", "history"]


def seed_demo(
    ctx: Ctx, count: int | None, *, step: Step = "all", between: Callable[[], object] | None = None
) -> dict[str, int]:
    """Writes the demo data (step "all"), or its first or second part (see the module docstring).
    Step "history" takes its count and clock from the mark step "cards" left, and writes nothing
    when there is none (or when step 1's clients are gone: a reset came between); `between()`
    runs after each card's history (the console rests there; raising rolls it all back)."""
    if step == "history":
        pending = _Pending.take(ctx)
        if pending is None:
            return {}
        return _Seeder(ctx.at(pending.now), pending.count, pending=pending, between=between).run()
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise SandboxError("validation_error", f"must be a whole number from 1 to {MAX_COUNT}", field="count")
    seeder = _Seeder(ctx, count, history=step == "all")
    stats = seeder.run()
    if step == "cards":
        seeder.leave_pending()
    return stats


_EVENT_COLUMNS: Final = ("card_id", "at", "from_status", "to_status", "reason", "request_id")


@dataclass(frozen=True)
class _Pending:
    """What step 1 leaves for step 2: the count, the clock, where its rows start and end."""

    count: int
    now: datetime
    clients_before: int
    cards_before: int
    events_before: int
    events_after: int

    def dump(self) -> str:
        return json.dumps({**self.__dict__, "now": to_db(self.now)})

    @staticmethod
    def take(ctx: Ctx) -> _Pending | None:
        """The mark, removed (step 2 runs once, in the transaction that removes it); None when
        there is none or when the clients step 1 wrote are no longer there."""
        raw = store.pending_history(ctx.conn, ctx.partner)
        if raw is None:
            return None
        store.clear_pending_history(ctx.conn, ctx.partner)
        try:
            found = json.loads(raw)
            pending = _Pending(**{**found, "now": from_db(found["now"])})
        except (ValueError, TypeError, KeyError):
            return None  # a mark this version cannot read: the data stays as step 1 left it
        clients_left = ctx.conn.execute(
            "SELECT count(*) FROM clients WHERE partner = ? AND seq > ?",
            (ctx.partner, pending.clients_before),
        ).fetchone()[0]
        return pending if clients_left >= pending.count else None


def _max_event_id(ctx: Ctx) -> int:
    return int(ctx.conn.execute("SELECT coalesce(max(id), 0) FROM card_events").fetchone()[0])


def _sequence(ctx: Ctx, name: str) -> int:
    return int(ctx.conn.execute("SELECT value FROM sequences WHERE name = ?", (name,)).fetchone()[0])


class _Seeder:
    """cards / history: whether this run writes the clients and cards, and the history. A run
    with history and without cards is step 2: it replays step 1 (same draws, no writes) and
    takes the ids step 1 gave from the database."""

    def __init__(
        self,
        ctx: Ctx,
        count: int,
        *,
        history: bool = True,
        pending: _Pending | None = None,
        between: Callable[[], object] | None = None,
    ) -> None:
        self.ctx = ctx
        self.now = ctx.now
        self.count = count
        self.writes_cards = pending is None
        self.writes_history = history
        self.between = between
        # A string seed is hashed with SHA-512 by `random`: stable across runs and processes.
        self.rng = random.Random(f"fpconsole-seed-{count}")
        self.stats: Counter[str] = Counter()
        self.orders = 0
        self.pinned: list[str] = []
        # Cards numbered above this are this run's. A seed into a database that already has data
        # (POST /sandbox/seed) must not re-limit, re-order plastic for or lock existing cards.
        self.cards_before = _sequence(ctx, "card") if pending is None else pending.cards_before
        self.clients_before = _sequence(ctx, "client") if pending is None else pending.clients_before
        self.events_before = _max_event_id(ctx) if pending is None else pending.events_before
        # Step 2: the ids step 1 gave, in the order it gave them, and its card events, which go
        # back in after the history of the cards before them (one step's order).
        self.given_clients: Iterator[str] = iter(())
        self.given_cards: Iterator[str] = iter(())
        self.given_events: deque[tuple[Any, ...]] = deque()
        if pending is not None:
            self.take_over(pending)

    def take_over(self, pending: _Pending) -> None:
        conn, partner = self.ctx.conn, self.ctx.partner
        self.given_clients = iter(
            [
                str(row[0])
                for row in conn.execute(
                    "SELECT client_id FROM clients WHERE partner = ? AND seq > ? ORDER BY seq LIMIT ?",
                    (partner, pending.clients_before, pending.count),
                )
            ]
        )
        self.given_cards = iter(
            [
                str(row[0])
                for row in conn.execute(
                    "SELECT card_id FROM cards WHERE partner = ? AND seq > ? ORDER BY seq",
                    (partner, pending.cards_before),
                )
            ]
        )
        between = (pending.events_before, pending.events_after)
        if _max_event_id(self.ctx) > pending.events_after:
            return  # a status changed by hand since step 1: its events stay as they are, in order
        columns = ", ".join(_EVENT_COLUMNS)
        self.given_events = deque(
            tuple(row)
            for row in conn.execute(
                f"SELECT {columns} FROM card_events WHERE id > ? AND id <= ? ORDER BY id", between
            )
        )
        conn.execute("DELETE FROM card_events WHERE id > ? AND id <= ?", between)
        # AUTOINCREMENT goes on from here: the events are numbered again as one step numbers them.
        conn.execute(
            "UPDATE sqlite_sequence SET seq = ? WHERE name = 'card_events'", (pending.events_before,)
        )

    def leave_pending(self) -> None:
        pending = _Pending(
            count=self.count,
            now=self.now,
            clients_before=self.clients_before,
            cards_before=self.cards_before,
            events_before=self.events_before,
            events_after=_max_event_id(self.ctx),
        )
        store.mark_pending_history(self.ctx.conn, self.ctx.partner, pending.dump())

    def put_back_event(self, card_id: str) -> None:
        """Step 2: the next event step 1 wrote for card_id (normally the first one left), written
        again here."""
        for index, row in enumerate(self.given_events):
            if row[0] == card_id:
                del self.given_events[index]
                self.write_event(row)
                return

    def write_event(self, row: tuple[Any, ...]) -> None:
        marks = ", ".join("?" for _ in _EVENT_COLUMNS)
        self.ctx.conn.execute(f"INSERT INTO card_events ({', '.join(_EVENT_COLUMNS)}) VALUES ({marks})", row)

    def lenient(self, what: Callable[[], object]) -> None:
        """Step 2 runs what(), and leaves it out when a refusal says the data changed since step
        1 (a card blocked or closed by hand meanwhile): one card's history missing beats a
        history that fails at every start. One step runs it as it is."""
        if self.writes_cards:
            what()
            return
        stats = self.stats.copy()
        try:
            with store.savepoint(self.ctx.conn, "seed_step_two"):
                what()
        except SandboxError:
            self.stats = stats

    # --- the writes step 1 makes (step 2 takes their ids instead) --------------------------------

    def add_client(self, moment: datetime, product_id: int, client: dict[str, Any]) -> str:
        if self.writes_cards:
            return clients.add_client(self.at(moment), product_id=product_id, client=client)
        return next(self.given_clients)

    def issue_card(self, moment: datetime, product_id: int, client_id: str | None) -> str:
        if self.writes_cards:
            return cards.issue_card(self.at(moment), product_id=product_id, client_id=client_id)
        card_id = next(self.given_cards)
        self.put_back_event(card_id)
        return card_id

    def activate(self, moment: datetime, card_id: str) -> None:
        if self.writes_cards:
            cards.change_status(self.at(moment), card_id=card_id, action="activate")
        else:
            self.put_back_event(card_id)

    def at(self, moment: datetime) -> Ctx:
        return self.ctx.at(min(moment, self.now))

    def ago(self, days_low: float, days_high: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(days_low, days_high))

    def run(self) -> dict[str, int]:
        phones = self.rng.sample(range(10_000_000), self.count)
        people = [self.make_client(index, 77010000000 + phone) for index, phone in enumerate(phones)]
        statuses = self.plan_statuses(people)
        for (client_id, product_id, since), status in statuses:
            self.make_card(client_id, product_id, since, status)
        for _ in range(max(2, self.count // 10)):
            self.issue_card(self.ago(1, 40), product_id=2000, client_id=None)
            self.stats["cards"] += 1
        if self.writes_history:
            self.lenient(lambda: self.finish_touches(people))
        for row in self.given_events:  # none, unless step 1's events no longer match its cards
            self.write_event(row)
        return {
            "clients": self.stats["clients"],
            "cards": self.stats["cards"],
            "transactions": self.stats["transactions"],
            "operations": self.stats["operations"],
        }

    # --- clients ------------------------------------------------------------------------------

    def make_client(self, index: int, phone: int) -> tuple[str, int, datetime]:
        rng = self.rng
        male = rng.random() < 0.5
        first = rng.choice(_MALE_FIRST if male else _FEMALE_FIRST)
        last = rng.choice(_LAST)[0 if male else 1]
        middle = rng.choice(_PATRONYMIC)[0 if male else 1] if rng.random() < 0.7 else None
        born = date(rng.randint(1962, 2005), rng.randint(1, 12), rng.randint(1, 28))
        product_id = rng.choices((1000, 2000, 3000), weights=(4, 4, 2))[0]
        resident = 2 if rng.random() < 0.06 else 1
        client: dict[str, Any] = {
            "phone": phone,
            "type": rng.choices((1, 3, 2), weights=(17, 2, 1))[0],
            "resident": resident,
            "first_name": first,
            "last_name": last,
            "middle_name": middle,
            "birthdate": born.isoformat(),
            "email": f"{first.lower()}.{last.lower()}{index + 1}@example.kz" if rng.random() < 0.6 else None,
            "language": rng.choice(("ru", "ru", "kk", "en")),
        }
        if product_id == 1000:  # Freedom Wallet Card: full KYC (SPEC §4.2)
            country = "KAZ" if resident == 1 else rng.choice(("RUS", "UZB", "KGZ"))
            city, postal = rng.choice(_CITIES)
            address = {
                "country": "KAZ",
                "postal_code": postal,
                "address_line1": city,
                "address_line2": rng.choice(_STREETS),
                "address_line3": f"{rng.randint(1, 250)}, apt {rng.randint(1, 180)}",
            }
            since = self.ago(HISTORY_DAYS, HISTORY_DAYS + 30)
            client.update(
                country=country,
                person_id=_iin(born, male, rng),
                document_size=rng.randint(180_000, 1_900_000),
                address1=address,
                address2=address if rng.random() < 0.7 else {**address, "address_line3": "1"},
                identification_info={
                    "idn_date": rfc3339(since),
                    "identified_by": f"branch-{rng.randint(1, 40)}",
                },
            )
        else:
            since = self.ago(HISTORY_DAYS, HISTORY_DAYS + 30)
        client_id = self.add_client(since, product_id, client)
        self.stats["clients"] += 1
        return client_id, product_id, since

    def plan_statuses(
        self, people: list[tuple[str, int, datetime]]
    ) -> list[tuple[tuple[str, int, datetime], str]]:
        """One or two cards per client; the first four are one of each status, so even seed(1)
        shows every status."""
        holders = [person for person in people for _ in range(2 if self.rng.random() < 0.35 else 1)]
        while len(holders) < 4:
            holders.append(people[0])
        forced = [ACTIVE, BLOCKED, CLOSED, INACTIVE]
        planned = []
        for index, holder in enumerate(holders):
            if index < len(forced):
                status = forced[index]
            else:
                status = self.rng.choices((ACTIVE, BLOCKED, CLOSED, INACTIVE), weights=(74, 9, 7, 10))[0]
            planned.append((holder, status))
        return planned

    # --- cards and their history --------------------------------------------------------------

    def make_card(self, client_id: str, product_id: int, since: datetime, status: str) -> None:
        rng = self.rng
        if status == INACTIVE:
            issued = self.ago(0.5, 20)
            self.issue_card(max(issued, since), product_id, client_id)
            self.stats["cards"] += 1
            return
        issued = since + timedelta(days=rng.uniform(0, 6))
        card_id = self.issue_card(issued, product_id, client_id)
        self.stats["cards"] += 1
        activated = issued + timedelta(hours=rng.uniform(1, 72))
        self.activate(activated, card_id)
        end = self.now
        if status == BLOCKED:
            end = self.ago(2, 25)
        elif status == CLOSED:
            end = self.ago(5, 60)
        self.history(card_id, activated, end, status)
        if status == ACTIVE and len(self.pinned) < 3:
            self.give_pin(card_id, activated + timedelta(hours=1))
        if self.between is not None:
            self.between()

    def history(self, card_id: str, start: datetime, end: datetime, status: str) -> None:
        rng = self.rng
        events: list[_Event] = []
        order = 0

        def plan(moment: datetime, kind: str, *args: Any) -> None:
            nonlocal order
            if moment < end or kind in ("block", "close", "declined"):
                events.append(_Event(moment, order, kind, args))
                order += 1

        income = rng.uniform(0.4, 1.6)
        moment = start + timedelta(hours=1)
        while moment < end:  # a salary roughly every month
            plan(
                moment,
                "credit",
                to_minor(Decimal(rng.randrange(150, 650) * 1000) * Decimal(str(round(income, 2)))),
            )
            moment += timedelta(days=rng.uniform(27, 33))
        days = (end - start).total_seconds() / 86_400
        purchases = int(days * rng.uniform(0.12, 0.3))
        for _ in range(purchases):
            when = start + timedelta(days=rng.uniform(0.1, days))
            shop = rng.choices(_SHOPS, weights=_SHOP_WEIGHTS)[0]
            if shop.merchant.mcc == 6011:
                amount = rng.randrange(shop.low // 1000, shop.high // 1000 + 1) * 100_000
            else:
                amount = rng.randint(shop.low, shop.high) * 100 + rng.choice((0, 0, 0, 50))
            key = len(events)
            plan(when, "auth", key, shop.merchant, amount)
            self.plan_settlement(plan, key, when, amount, end)
        if status == BLOCKED:
            plan(end, "block", rng.choice(_BLOCK_REASONS))
            # Someone tries the blocked card: a declined transaction for the demo.
            plan(end + timedelta(hours=rng.uniform(1, 24)), "declined", rng.choice(_SHOPS).merchant)
        elif status == CLOSED:
            plan(end, "close", rng.choice(_CLOSE_REASONS))
        if self.writes_history:  # step 1 makes the same draws and leaves the writing to step 2
            self.lenient(lambda: self.run_events(card_id, sorted(events)))

    def plan_settlement(self, plan: Any, key: int, when: datetime, amount: int, end: datetime) -> None:
        """Most authorisations are cleared in full within three days; some in two parts; a few
        are refunded later, in full or in part; the newest stay held."""
        rng = self.rng
        cleared_at = when + timedelta(hours=rng.uniform(2, 72))
        if cleared_at >= min(end, self.now):
            return  # still held
        if rng.random() < 0.15:
            first = amount * rng.randint(40, 70) // 100
            plan(cleared_at, "clear", key, first)
            plan(cleared_at + timedelta(hours=rng.uniform(6, 48)), "clear", key, None)
        else:
            plan(cleared_at, "clear", key, None)
        if rng.random() < 0.07:
            share = rng.choice((100, 100, 50, 30))
            plan(cleared_at + timedelta(days=rng.uniform(1, 12)), "refund", key, share)

    def run_events(self, card_id: str, events: list[_Event]) -> None:
        opened: dict[int, str] = {}
        for event in events:
            ctx = self.at(event.at)
            if event.kind == "credit":
                card = cards.find_card(ctx, card_id)
                ledger.credit(ctx, card=card, amount=event.args[0], currency="KZT", merchant=_SALARY)
                self.stats["operations"] += 1
            elif event.kind in ("auth", "declined"):
                key, merchant, amount = event.args if event.kind == "auth" else (-1, event.args[0], 500_000)
                transaction_id = self.authorise(ctx, card_id, merchant, amount)
                if transaction_id is not None:
                    opened[key] = transaction_id
            elif event.kind in ("clear", "refund"):
                key, value = event.args
                if key in opened:  # skipped when the authorisation was declined
                    self.settle(ctx, event.kind, opened[key], value)
            elif event.kind in ("block", "close"):
                action: CardAction = "block" if event.kind == "block" else "close"
                cards.change_status(ctx, card_id=card_id, action=action, reason=event.args[0])

    def authorise(self, ctx: Ctx, card_id: str, merchant: Merchant, amount: int) -> str | None:
        self.orders += 1
        transaction_id = transactions.open_transaction(
            ctx,
            card_id=card_id,
            order_id=f"SEED-{self.orders:06d}",
            amount=Decimal(amount) / 100,
            currency="KZT",
            description=f"purchase at {merchant.name.lower()}",
        )
        self.stats["transactions"] += 1
        try:
            with store.savepoint(ctx.conn, "seed_authorise"):
                transactions.hold(ctx, transaction_id, merchant=merchant)
        except SandboxError as error:  # short of money, or the card is blocked: a real decline
            transactions.decline(ctx, transaction_id, error)
            return None
        return transaction_id

    def settle(self, ctx: Ctx, kind: str, transaction_id: str, value: int | None) -> None:
        tx = transactions.find_transaction(ctx, transaction_id)
        if kind == "clear":
            amount = None if value is None else Decimal(min(value, int(tx["held"]))) / 100
            if int(tx["held"]) > 0:
                transactions.clear(ctx, transaction_id, amount, tx=tx)
                self.stats["operations"] += 1
        else:
            refundable = int(tx["cleared"]) - int(tx["refunded"])
            share = refundable * int(value or 100) // 100
            if share > 0:
                transactions.refund(ctx, transaction_id, Decimal(share) / 100, tx=tx)
                self.stats["operations"] += 1

    # --- PINs, plastic, limits ------------------------------------------------------------------

    def give_pin(self, card_id: str, moment: datetime) -> None:
        salt = pins.new_salt(self.rng)
        if self.writes_history:
            pin_hash = pins.hash_pin(DEMO_PIN, salt)
            at = self.at(moment)
            self.lenient(lambda: cards.set_pin(at, card_id=card_id, pin_hash=pin_hash, pin_salt=salt))
        self.pinned.append(card_id)

    def finish_touches(self, people: list[tuple[str, int, datetime]]) -> None:
        ctx = self.at(self.now)
        if self.pinned:
            locked = self.pinned[-1]
            for wrong in ("0000", "1111", "9999"):  # three wrong tries lock the PIN
                cards.verify_pin(ctx, card_id=locked, pin=wrong)
        active = [
            row["card_id"]
            for row in ctx.conn.execute(
                "SELECT card_id FROM cards WHERE partner = ? AND status = ? AND client_id IS NOT NULL "
                "AND seq > ? ORDER BY seq",
                (ctx.partner, ACTIVE, self.cards_before),
            )
        ]
        # Plastic: one delivered long ago, one still on its way.
        if active:
            cards.order_plastic(self.at(self.ago(60, 90)), card_id=active[0], branch_id="ALM-01")
        if len(active) > 1:
            cards.order_plastic(ctx, card_id=active[1], branch_id="AST-02")
        if active:
            limits.set_limits(
                ctx,
                object_type="card",
                object_value=active[0],
                rules=[{"transaction_type": "pay", "period": "day", "amount": [{"value": "200000"}]}],
            )
            limits.set_limits(
                ctx,
                object_type="client",
                object_value=people[0][0],
                rules=[
                    {"transaction_type": "pay", "period": "month", "amount": [{"value": "1500000"}]},
                    {
                        "transaction_type": "withdrawal_atm",
                        "period": "month",
                        "amount": [{"value": "300000"}],
                    },
                ],
            )


def _iin(born: date, male: bool, rng: random.Random) -> str:
    """A Kazakh IIN: YYMMDD, century-and-sex digit, four digits, check digit (weights 1..11, then
    3..11,1,2 when the first sum gives 10)."""
    century = (3 if male else 4) if born.year < 2000 else (5 if male else 6)
    while True:
        body = f"{born:%y%m%d}{century}{rng.randrange(10_000):04d}"
        digits = [int(d) for d in body]
        check = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
        if check == 10:
            weights = (*range(3, 12), 1, 2)
            check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check != 10:
            return body + str(check)


__all__ = ["DEMO_PIN", "seed_demo"]
