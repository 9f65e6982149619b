"""What a form asks for, derived from a method's request model (no widgets here).

The request model's JSON schema already carries everything a form needs: titles, help text,
`x-labels` for coded choices, enums, defaults, `x-secret`, and `x-form: False` for shapes the
form should not offer. Nested objects become dotted names (`client.address1.country`); a list of
objects offers one item (`limits.0.transaction_type`), which is what `parse_assignments` and the
CLI's `field=value` syntax expect, so forms, drafts and the command line share one naming.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from fpconsole.api.fields import PHONE_EXAMPLE
from fpconsole.api.methods import Method

FieldKind = Literal["text", "choice", "secret", "document"]

# Enums longer than this (countries, currencies, languages) are typed, with completion, rather
# than picked from a list: a 250-line drop-down is slower than typing KAZ.
MAX_SELECT_CHOICES = 12

REQUEST_ID = "request_id"


@dataclass(frozen=True, slots=True)
class Condition:
    """`field` currently holds `equals` (as typed or selected, i.e. text)."""

    field: str
    equals: str

    def holds(self, values: Mapping[str, str]) -> bool:
        return values.get(self.field, "").strip() == self.equals


@dataclass(frozen=True, slots=True)
class Choice:
    value: str  # what is sent, as text ("1000")
    label: str  # what it means ("Freedom Wallet Card")

    @property
    def prompt(self) -> str:
        return self.value if self.label == self.value else f"{self.label} ({self.value})"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str  # dotted path, e.g. "client.address1.country"
    label: str
    kind: FieldKind
    required: bool  # needed whenever its object is sent (see FormSpec.is_required)
    choices: tuple[Choice, ...] = ()
    suggestions: tuple[str, ...] = ()  # long code lists: typed, with completion
    default: str = ""
    help: str = ""
    secret: bool = False
    visible_when: Condition | None = None
    # The fields a warning about this one reads (itself first; see `api.advice`); empty: none.
    warn_reads: tuple[str, ...] = ()
    phone: bool = False  # typed as people write phones (`+7 701 123-45-67`), sent as digits

    @property
    def path(self) -> str:
        return self.name

    @property
    def widget_id(self) -> str:
        return widget_id(self.name)

    @property
    def row_id(self) -> str:
        return f"row-{self.widget_id}"


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """A nested object (or the one offered item of a list)."""

    path: str  # "client.address1", "limits.0"
    label: str
    help: str = ""
    optional: bool = False  # sent only when any of its fields is filled
    visible_when: Condition | None = None

    @property
    def widget_id(self) -> str:
        return widget_id(self.path)

    @property
    def row_id(self) -> str:
        return f"group-{self.widget_id}"


Item = FieldSpec | GroupSpec


def widget_id(path: str) -> str:
    """`client.phone` → `client_phone`: dots are not allowed in Textual ids."""
    return path.replace(".", "_")


def _inside(path: str, group: str) -> bool:
    return path.startswith(group + ".")


@dataclass(frozen=True)
class FormSpec:
    method: Method
    items: tuple[Item, ...]  # in model order; a group comes before its fields
    has_request_id: bool

    @functools.cached_property
    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(item for item in self.items if isinstance(item, FieldSpec))

    @functools.cached_property
    def groups(self) -> tuple[GroupSpec, ...]:
        return tuple(item for item in self.items if isinstance(item, GroupSpec))

    @functools.cached_property
    def _by_name(self) -> dict[str, FieldSpec]:
        return {item.name: item for item in self.fields}

    @functools.cached_property
    def _groups_by_path(self) -> dict[str, GroupSpec]:
        return {group.path: group for group in self.groups}

    def field(self, name: str) -> FieldSpec:
        return self._by_name[name]

    def get_field(self, name: str) -> FieldSpec | None:
        return self._by_name.get(name)

    def get_group(self, path: str) -> GroupSpec | None:
        return self._groups_by_path.get(path)

    @property
    def triggers(self) -> frozenset[str]:
        """Fields whose value shows or hides others."""
        return frozenset(item.visible_when.field for item in self.items if item.visible_when is not None)

    def groups_of(self, path: str) -> tuple[GroupSpec, ...]:
        """The groups a field or group sits in, outermost first."""
        return tuple(group for group in self.groups if _inside(path, group.path))

    def fields_in(self, group: GroupSpec) -> Iterator[FieldSpec]:
        return (item for item in self.fields if _inside(item.name, group.path))

    # --- the state of a form, given the text in its fields ------------------------------

    def is_visible(self, item: Item, values: Mapping[str, str]) -> bool:
        chain = (*self.groups_of(item.path), item)
        return all(each.visible_when is None or each.visible_when.holds(values) for each in chain)

    def condition_for(self, item: Item) -> Condition | None:
        """What shows this item: its own condition or the nearest one of the groups around it."""
        chain: tuple[Item, ...] = (item, *reversed(self.groups_of(item.path)))
        return next((each.visible_when for each in chain if each.visible_when is not None), None)

    def is_filled(self, group: GroupSpec, values: Mapping[str, str]) -> bool:
        """Something of the user's is in the group: a default alone (currency KZT) does not count."""
        for item in self.fields_in(group):
            text = values.get(item.name, "").strip()
            if text and text != item.default and self.is_visible(item, values):
                return True
        return False

    def is_sent(self, group: GroupSpec, values: Mapping[str, str]) -> bool:
        """A visible group is sent when it is required or filled, and so is every group around it."""
        return all(
            self.is_visible(each, values) and (not each.optional or self.is_filled(each, values))
            for each in (*self.groups_of(group.path), group)
        )

    def is_required(self, item: FieldSpec, values: Mapping[str, str]) -> bool:
        """Required right now: visible, required in its object, and that object is sent."""
        if not item.required or not self.is_visible(item, values):
            return False
        return all(self.is_sent(group, values) for group in self.groups_of(item.name))


# --- building a spec from the request model's JSON schema ---------------------------------


def _humanize(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    """Unwrap `anyOf: [X, null]` and `$ref`, keeping the outer title, description and extras."""
    resolved = dict(node)
    if "anyOf" in resolved:
        branches = [b for b in resolved.pop("anyOf") if b.get("type") != "null"]
        if len(branches) == 1:
            resolved = {**_resolve(branches[0], defs), **resolved}
    if "$ref" in resolved:
        target = defs[str(resolved.pop("$ref")).rsplit("/", 1)[-1]]
        # The referenced model's own title ("Address") and docstring give way to the field's.
        resolved = {**_resolve(target, defs), **resolved}
    return resolved


def _choices(node: Mapping[str, Any]) -> tuple[tuple[Choice, ...], tuple[str, ...]]:
    enum = node.get("enum")
    if not enum:
        return (), ()
    labels: Mapping[str, str] = node.get("x-labels") or {}
    if labels or len(enum) <= MAX_SELECT_CHOICES:
        return tuple(Choice(str(value), str(labels.get(str(value), value))) for value in enum), ()
    return (), tuple(str(value) for value in enum)


class _Walker:
    def __init__(self, method: Method, defs: Mapping[str, Any]) -> None:
        self.method = method
        self.defs = defs
        self.items: list[Item] = []

    def walk(self, schema: Mapping[str, Any], prefix: str) -> None:
        required = set(schema.get("required", ()))
        for name, raw in schema.get("properties", {}).items():
            path = prefix + name
            if path == REQUEST_ID or raw.get("x-form") is False:
                continue
            node = _resolve(raw, self.defs)
            label = str(node.get("title") or _humanize(name))
            help_text = str(node.get("description") or "")
            is_required = name in required
            if "properties" in node:
                self.items.append(GroupSpec(path, label, help_text, optional=not is_required))
                self.walk(node, path + ".")
            elif node.get("type") == "array" and "properties" in (
                items := _resolve(node.get("items", {}), self.defs)
            ):
                # One item is offered; more can go through the command line (limits.1.…).
                item_path = path + ".0"
                self.items.append(GroupSpec(item_path, label, help_text, optional=not is_required))
                self.walk(items, item_path + ".")
            else:
                self.items.append(self.field(path, node, label, help_text, is_required))

    def field(
        self, path: str, node: Mapping[str, Any], label: str, help_text: str, required: bool
    ) -> FieldSpec:
        choices, suggestions = _choices(node)
        secret = bool(node.get("x-secret")) or path in self.method.request_secret_fields
        kind: FieldKind
        if secret:
            kind = "secret"
        elif choices:
            kind = "choice"
        elif node.get("contentEncoding") == "base64":
            kind = "document"
            help_text = (help_text + "; " if help_text else "") + "a path to a PDF file, or its base64"
        else:
            kind = "text"
        phone = bool(node.get("x-phone"))
        if phone:  # the form reads a phone as people write it (body.py), and says so
            help_text = f"With the country code, e.g. {PHONE_EXAMPLE}"
        default = node.get("default")
        return FieldSpec(
            name=path,
            label=label,
            kind=kind,
            required=required,
            choices=choices,
            suggestions=suggestions,
            default="" if default is None else str(default),
            help=help_text,
            secret=secret,
            phone=phone,
        )


def _check_ids(items: tuple[Item, ...]) -> None:
    seen: dict[str, str] = {}
    for item in items:
        other = seen.setdefault(item.widget_id, item.path)
        if other != item.path:
            raise ValueError(f"form fields {other!r} and {item.path!r} map to the same widget id")


@functools.cache
def build_form_spec(method: Method) -> FormSpec:
    from fpconsole.tui.forms.rules import apply_rules, apply_warnings

    schema = method.request.model_json_schema()
    walker = _Walker(method, schema.get("$defs", {}))
    walker.walk(schema, "")
    items = apply_warnings(apply_rules(tuple(walker.items)))
    _check_ids(items)
    return FormSpec(method=method, items=items, has_request_id=REQUEST_ID in schema.get("properties", {}))


def with_condition(item: Item, condition: Condition, *, required: bool) -> Item:
    """The item shown only when `condition` holds; `required` makes it (or its group) mandatory then."""
    if isinstance(item, FieldSpec):
        return replace(item, visible_when=condition, required=item.required or required)
    return replace(item, visible_when=condition, optional=item.optional and not required)


def moved_before(spec: FormSpec, name: str, before: str) -> FormSpec:
    """The same form with field `name` shown just before field `before` (a form's own order; the
    request model, and so the body sent, keep theirs). Unchanged when either is missing or not a
    plain field, or `name` already comes first."""
    items = list(spec.items)
    where = {item.path: index for index, item in enumerate(items) if isinstance(item, FieldSpec)}
    if name not in where or before not in where or where[name] < where[before]:
        return spec
    moved = items.pop(where[name])
    items.insert(where[before], moved)
    return replace(spec, items=tuple(items))
