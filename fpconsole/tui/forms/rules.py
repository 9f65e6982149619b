"""Fields that appear (and become mandatory) only for some values of another field, and fields
that carry a warning (shown under them, never blocking the submit).

The rules are data taken from the API dictionaries and `fpconsole.api.advice`, so a change to
the KYC list or to a warning is one edit there, not a change to any widget.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from fpconsole.api.advice import WARNED_FIELDS
from fpconsole.api.dictionaries import KYC_PRODUCT, KYC_REQUIRED_FIELDS
from fpconsole.tui.forms.spec import Condition, FieldSpec, Item, with_condition


@dataclass(frozen=True, slots=True)
class ConditionalRule:
    """When `trigger` equals `value`, `prefix + name` for each name is shown and required."""

    trigger: str
    value: str
    prefix: str
    names: tuple[str, ...]


RULES: Final[tuple[ConditionalRule, ...]] = (
    # SPEC §4.2: product 1000 (Freedom Wallet Card) requires the client's KYC block.
    ConditionalRule("product_id", str(KYC_PRODUCT), "client.", KYC_REQUIRED_FIELDS),
)


def _apply(rule: ConditionalRule, items: tuple[Item, ...]) -> tuple[Item, ...]:
    paths = {item.path for item in items}
    if rule.trigger not in paths:
        return items
    condition = Condition(rule.trigger, rule.value)
    targets = {rule.prefix + name for name in rule.names}
    out: list[Item] = []
    for item in items:
        # The field itself (client.country) or the group (client.address1) becomes mandatory;
        # what sits inside a group is shown with it and required as its own model says.
        out.append(with_condition(item, condition, required=True) if item.path in targets else item)
    return tuple(out)


def apply_rules(items: tuple[Item, ...], rules: tuple[ConditionalRule, ...] = RULES) -> tuple[Item, ...]:
    for rule in rules:
        items = _apply(rule, items)
    return items


def apply_warnings(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """Mark the fields `api.advice` may warn about with the form fields their warning reads
    (client.person_id reads client.resident and client.country)."""
    paths = {item.path for item in items}
    out: list[Item] = []
    for item in items:
        prefix, _, name = item.path.rpartition(".")
        siblings = WARNED_FIELDS.get(name)
        if isinstance(item, FieldSpec) and siblings is not None:
            stem = f"{prefix}." if prefix else ""
            reads = (item.path, *(stem + other for other in siblings if stem + other in paths))
            item = replace(item, warn_reads=reads)
        out.append(item)
    return tuple(out)
