"""A form's draft without a screen (fpconsole/tui/forms/drafts.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fpconsole.api import methods as api
from fpconsole.tui.forms.drafts import FormDraft
from fpconsole.tui.forms.spec import build_form_spec

CLIENT_SPEC = build_form_spec(api.CLIENT_ADD)
PIN_SPEC = build_form_spec(api.CARD_SET_PIN)


@dataclass
class Store:
    drafts: dict[str, dict[str, str]] = field(default_factory=dict)
    writes: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def save_draft(self, form_key: str, fields: dict[str, str]) -> None:
        self.drafts[form_key] = dict(fields)
        self.writes.append(("save", form_key, dict(fields)))

    def load_draft(self, form_key: str) -> dict[str, str] | None:
        return self.drafts.get(form_key)

    def discard_draft(self, form_key: str) -> None:
        self.drafts.pop(form_key, None)
        self.writes.append(("discard", form_key, {}))


def test_restore_brings_back_the_users_fields_but_not_secrets_or_the_callers() -> None:
    store = Store({"card.set_pin": {"card_id": "7001", "pin": "1234", "unknown": "x"}})
    draft = FormDraft("card.set_pin", lambda: store)
    assert draft.restore(PIN_SPEC, {}, {"card_id": "", "pin": ""}) == {"card_id": "7001"}
    assert draft.restored
    given = {"card_id": "7002"}  # the selected card wins over an older draft's
    assert draft.restore(PIN_SPEC, given, {"card_id": "7002", "pin": ""}) == {}
    assert not draft.restored


def test_a_draft_equal_to_what_the_form_opens_with_is_not_restored() -> None:
    store = Store({"client.add": {"product_id": "2000"}})
    draft = FormDraft("client.add", lambda: store)
    assert draft.restore(CLIENT_SPEC, {}, {"product_id": "2000"}) == {"product_id": "2000"}
    assert not draft.restored


def test_keep_writes_once_per_change_and_an_emptied_form_removes_its_draft() -> None:
    store = Store()
    draft = FormDraft("client.add", lambda: store)
    draft.keep({})  # nothing typed, nothing kept before: nothing to remove
    assert store.writes == []
    draft.keep({"product_id": "2000"})
    draft.keep({"product_id": "2000"})
    draft.keep({})
    draft.keep({})
    assert store.writes == [("save", "client.add", {"product_id": "2000"}), ("discard", "client.add", {})]


def test_a_restored_draft_emptied_by_the_user_goes() -> None:
    store = Store({"client.add": {"product_id": "2001"}})
    draft = FormDraft("client.add", lambda: store)
    draft.restore(CLIENT_SPEC, {}, {"product_id": ""})
    draft.keep({})
    assert store.drafts == {}


def test_discard_forgets_the_draft_and_the_restored_mark() -> None:
    store = Store({"client.add": {"product_id": "2001"}})
    draft = FormDraft("client.add", lambda: store)
    draft.restore(CLIENT_SPEC, {}, {"product_id": ""})
    draft.discard()
    assert store.drafts == {} and not draft.restored
    draft.keep({})  # already gone: not removed twice
    assert store.writes == [("discard", "client.add", {})]


def test_no_key_or_no_store_keeps_nothing() -> None:
    store = Store({"client.add": {"product_id": "2001"}})
    for draft in (FormDraft(None, lambda: store), FormDraft("client.add", lambda: None)):
        assert not draft.can_keep
        assert draft.restore(CLIENT_SPEC, {}, {"product_id": ""}) == {}
        draft.keep({"product_id": "9"})
        draft.discard()
    assert store.writes == []


def test_the_store_is_found_when_asked() -> None:
    # The app's drafts may open after the form was made: the draft asks each time.
    found: list[Store] = []
    draft = FormDraft("client.add", lambda: found[0] if found else None)
    assert not draft.can_keep
    found.append(Store())
    draft.keep({"product_id": "2000"})
    assert found[0].drafts == {"client.add": {"product_id": "2000"}}


def test_a_draft_is_unchanged_until_the_store_holds_something_else_or_the_form_wrote() -> None:
    store = Store({"card.set_pin": {"card_id": "7001"}})
    draft = FormDraft("card.set_pin", lambda: store)
    assert draft.unchanged()  # not opened yet: it reads the store when it opens
    draft.restore(PIN_SPEC, {}, {"card_id": "", "pin": ""})
    assert draft.unchanged()
    store.drafts["card.set_pin"] = {"card_id": "7002"}  # kept by another form meanwhile
    assert not draft.unchanged()
    store.drafts["card.set_pin"] = {"card_id": "7001"}
    assert draft.unchanged()
    draft.keep({"card_id": "7003"})  # this form's own write: it is not what it opened with
    assert not draft.unchanged()


def test_a_draft_opened_without_a_store_is_out_of_date_once_there_is_one() -> None:
    found: list[Store] = []
    draft = FormDraft("card.set_pin", lambda: found[0] if found else None)
    draft.restore(PIN_SPEC, {}, {"card_id": "", "pin": ""})
    assert draft.unchanged()
    found.append(Store())
    assert not draft.unchanged()
