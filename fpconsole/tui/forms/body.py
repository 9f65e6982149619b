"""Typed text → request body, and the request model's verdict placed on the form's fields.

Values stay text, as on the command line: the body is built with `parse_assignments` and the
request model converts and checks it, so the form, the CLI and the sandbox give the same
messages. What the model cannot know (a PIN typed twice, a document given as a file path) is
checked here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from fpconsole.api.fields import phone_digits, phone_problem
from fpconsole.api.validation import FieldError, validate_request
from fpconsole.fields_input import FieldSyntaxError, parse_assignments
from fpconsole.tui.forms.document import DocumentError, resolve_document
from fpconsole.tui.forms.spec import REQUEST_ID, FieldSpec, FormSpec, widget_id

REPEAT_SUFFIX = ":repeat"  # a secret's second entry; ':' never occurs in a field name


@dataclass(frozen=True, slots=True)
class FormInput:
    """Everything the user typed or chose."""

    values: Mapping[str, str]  # field name → text ("" when empty; a choice's code)
    repeats: Mapping[str, str] = field(default_factory=dict)  # secret name → its second entry
    generate: Collection[str] = ()  # optional secrets the processor should generate (omitted)


@dataclass(frozen=True, slots=True)
class FormCheck:
    body: dict[str, Any]
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        return not self.errors


def _clean(item: FieldSpec, text: str) -> str:
    # A secret is sent exactly as typed; everything else loses stray spaces, and a phone the
    # spaces, dashes and '+' people write it with (as the lists' search reads it).
    if item.secret:
        return text
    return phone_digits(text) if item.phone else text.strip()


def sent_values(spec: FormSpec, data: FormInput) -> dict[str, str]:
    """The fields that go into the body: visible, non-empty, in a group that is sent."""
    sent: dict[str, str] = {}
    for item in spec.fields:
        text = _clean(item, data.values.get(item.name, ""))
        if not text or item.name in data.generate or not spec.is_visible(item, data.values):
            continue
        if all(spec.is_sent(group, data.values) for group in spec.groups_of(item.name)):
            sent[item.name] = text
    return sent


def _ensure(body: dict[str, Any], path: str) -> None:
    """Create an object (or a list's item) so the model reports its missing fields one by one."""
    node: Any = body
    parts = path.split(".")
    for index, part in enumerate(parts):
        is_list_next = index + 1 < len(parts) and parts[index + 1].isdigit()
        empty: Any = [] if is_list_next else {}
        if isinstance(node, list):
            position = int(part)
            while len(node) <= position:
                node.append({})
            if node[position] is None:
                node[position] = empty
            node = node[position]
        else:
            if node.get(part) is None:
                node[part] = empty
            node = node[part]


def build_body(spec: FormSpec, data: FormInput, request_id: str | None) -> FormCheck:
    """The body to validate and send, plus the errors found while building it (documents)."""
    errors: list[FieldError] = []
    sent = sent_values(spec, data)
    for name, text in list(sent.items()):
        if spec.field(name).kind != "document":
            continue
        try:
            sent[name] = resolve_document(text)
        except DocumentError as exc:
            errors.append(FieldError(name, str(exc)))
            del sent[name]
    try:
        body = parse_assignments(f"{name}={text}" for name, text in sent.items())
    except FieldSyntaxError as exc:  # the spec's names are well formed; this is a safety net
        return FormCheck({}, [FieldError("", str(exc))])
    for group in spec.groups:
        if not group.optional and spec.is_sent(group, data.values):
            _ensure(body, group.path)
    if spec.has_request_id and request_id is not None:
        body[REQUEST_ID] = request_id
    return FormCheck(body, errors)


def _secret_errors(spec: FormSpec, data: FormInput) -> list[FieldError]:
    errors: list[FieldError] = []
    for item in spec.fields:
        if not item.secret or item.name in data.generate or not spec.is_visible(item, data.values):
            continue
        first = data.values.get(item.name, "")
        if not first and not item.required:
            errors.append(FieldError(item.name, "type it twice, or tick 'generate'"))
        elif first != data.repeats.get(item.name, ""):
            errors.append(
                FieldError(item.name + REPEAT_SUFFIX, f"does not match the {item.label} typed above")
            )
    return errors


def _missing_required(spec: FormSpec, data: FormInput, reported: set[str]) -> list[FieldError]:
    """Required-now fields left empty. The model says so too, but its cross-field checks (the KYC
    rule) only run once every field is valid; the form knows earlier, so it says it at once."""
    errors: list[FieldError] = []
    for item in spec.fields:
        if item.name in reported or item.secret or data.values.get(item.name, "").strip():
            continue
        if spec.is_required(item, data.values):
            condition = spec.condition_for(item)
            why = f" for {condition.field} {condition.equals}" if condition else ""
            errors.append(FieldError(item.name, f"is required{why}"))
    return errors


def _phone_errors(spec: FormSpec, data: FormInput) -> list[FieldError]:
    """A phone is read as typed with spaces and '+' (`phone_digits`): the model's own message
    ("no '+', spaces or dashes") would then be wrong here, so a bad one says what the form takes."""
    errors: list[FieldError] = []
    for item in spec.fields:
        text = data.values.get(item.name, "")
        if not item.phone or not text.strip() or not spec.is_visible(item, data.values):
            continue
        problem = phone_problem(item.label, text)
        if problem is not None:
            errors.append(FieldError(item.name, problem))
    return errors


def check_form(spec: FormSpec, data: FormInput, request_id: str | None) -> FormCheck:
    """Build and validate: the body as it would be sent, and every error by field."""
    built = build_body(spec, data, request_id)
    _, model_errors = validate_request(spec.method.request, built.body)
    # A document that could not be read, or a phone, already has its own, clearer message.
    phones = _phone_errors(spec, data)
    own = {error.field for error in (*built.errors, *phones)}
    errors = [*built.errors, *phones, *(e for e in model_errors if e.field not in own)]
    errors += _missing_required(spec, data, {error.field for error in errors})
    errors += _secret_errors(spec, data)
    return FormCheck(built.body, errors)


def locate(spec: FormSpec, path: str) -> str:
    """Where an error is shown: a field's name, a group's path, or "" for the form as a whole."""
    parts = path.split(".") if path else []
    while parts:
        candidate = ".".join(parts)
        if spec.get_field(candidate) or spec.get_group(candidate):
            return candidate
        if spec.get_group(candidate + ".0"):  # "limits" (the list) → its offered item
            return candidate + ".0"
        parts.pop()
    return ""


FORM_ERROR = "form-error"  # the id of the line for the form's own errors, above the buttons


def _error_target(spec: FormSpec, error: FieldError) -> str:
    """The id of the line an error goes under: its field's, its group's, or the form's."""
    if error.field.endswith(REPEAT_SUFFIX):
        return f"error-{widget_id(error.field.removesuffix(REPEAT_SUFFIX))}-repeat"
    where = locate(spec, error.field)
    return f"error-{widget_id(where)}" if where else FORM_ERROR


def _shows_now(spec: FormSpec, error: FieldError, data: FormInput) -> bool:
    """While typing, only fields the user has filled in get messages."""
    name = error.field.removesuffix(REPEAT_SUFFIX)
    item = spec.get_field(name)
    if item is None:
        return False
    text = (data.repeats if error.field.endswith(REPEAT_SUFFIX) else data.values).get(name, "")
    return bool(text.strip()) and text != item.default


def place_errors(
    spec: FormSpec, errors: list[FieldError], data: FormInput, *, attempted: bool
) -> dict[str, list[str]]:
    """Each error line's messages, by the line's id. While typing only the fields filled in get
    theirs; once a submit was attempted every error shows, and the form's line counts the
    problems in the fields (they may be scrolled away)."""
    messages: dict[str, list[str]] = {}
    for error in errors:
        if attempted or _shows_now(spec, error, data):
            target = _error_target(spec, error)
            text = error.message if target != FORM_ERROR or not error.field else str(error)
            messages.setdefault(target, []).append(text)
    on_fields = sum(len(found) for target, found in messages.items() if target != FORM_ERROR)
    if attempted and on_fields:
        summary = f"Not sent: {on_fields} problem{'s' if on_fields > 1 else ''} in the fields above."
        messages.setdefault(FORM_ERROR, []).insert(0, summary)
    return messages


def draft_fields(spec: FormSpec, data: FormInput, *, max_length: int = 4096) -> dict[str, str]:
    """What a draft keeps: typed text that is not secret and not huge (a pasted document's base64
    belongs in the file it came from, not in the drafts database)."""
    kept: dict[str, str] = {}
    for item in spec.fields:
        text = data.values.get(item.name, "")
        if item.secret or item.name in spec.method.request_secret_fields:
            continue
        if text.strip() and text != item.default and len(text) <= max_length:
            kept[item.name] = text
    return kept
