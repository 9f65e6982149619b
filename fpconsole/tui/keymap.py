"""The user's `[keys]` (config.toml) checked against the console's own bindings and turned into
the keymap Textual applies (`App.set_keymap`): binding id → keys.

Every binding of the console has an id (a test keeps it so); `[keys]` names those ids. What is
refused, each as a ConfigError naming file, line and key, with the fix: an id no binding has,
a key name Textual would never send, and a key given to two bindings that are live in the same
place (a screen with the app's keys under it, and the widgets it holds) — unless those two
already share it by design (a form's send key is Submit, Resubmit or Check status by state).

Checked only when `[keys]` has entries: walking the bindings imports every screen module.
"""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, _character_to_key
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from fpconsole.config import ConfigError
from fpconsole.config.model import KeySetting

# Submit (a form, a bulk run) on F9 as well as ctrl+s: ctrl+s is many people's tmux prefix
# (posting #95) and, outside raw mode, XOFF. F9 passes through tmux (no default binding), screen
# and SSH as a plain escape sequence in xterm, VTE (GNOME), Konsole, iTerm2 and Windows Terminal,
# none of which take it by default; F10 is GNOME Terminal's menu key, F11 is full screen, F1 is
# help in several terminals.
SEND_KEYS: Final = "f9,ctrl+s"
MODIFIERS: Final = ("ctrl", "shift", "alt")
# Textual names these, but only the kitty keyboard protocol reports them: tmux, screen, xterm and
# VTE over SSH drop them, so a key bound to one could never be pressed on a jump host.
UNSENT_MODIFIERS: Final = ("meta", "super", "hyper")
_NAMED_KEYS: Final = frozenset(str(key.value).rsplit("+", 1)[-1] for key in Keys)
KEY_NAME_HELP: Final = "key names are like f9, ctrl+s, escape, enter, question_mark, a, shift+tab"
# Widgets of ours that carry bindings, and the screens that hold them (checked by a test that
# mounts those screens): a key there shadows the screen's and the app's.
_WIDGETS_IN: Final = {
    "fpconsole.tui.screens.base.ListScreen": ("fpconsole.tui.widgets.paged_table.PagedTable",)
}


def normal_key(key: str) -> str:
    """A key as Textual names it once a keymap is applied: `?` is question_mark."""
    return _character_to_key(key) if len(key) == 1 else key


def key_problem(key: str) -> str | None:
    """Why `key` is not a key Textual can send, or None."""
    *modifiers, base = key.split("+") if key != "+" else ["+"]
    unsent = [modifier for modifier in modifiers if modifier in UNSENT_MODIFIERS]
    if unsent:
        return f"{unsent[0]!r} is a modifier terminals do not send over SSH or tmux (use ctrl, shift or alt)"
    wrong = [modifier for modifier in modifiers if modifier not in MODIFIERS]
    if wrong:
        return f"{wrong[0]!r} is not a modifier (use {', '.join(MODIFIERS[:3])})"
    if not base:
        return "a key is missing after +"
    if len(base) == 1 and base.isprintable():
        return None
    if base in _NAMED_KEYS:
        return None
    try:
        unicodedata.lookup(base.upper().replace("_", " "))  # plus_sign, question_mark, full_stop
    except KeyError:
        pass
    else:
        return None
    return f"{base!r} is not a key name"


def _close_key(key: str) -> str:
    import difflib

    *modifiers, base = key.lower().replace("control", "ctrl").replace("-", "+").split("+")
    if key_problem(key.lower()) is None:
        return key.lower()
    if any(modifier in UNSENT_MODIFIERS for modifier in modifiers):
        return ""  # dropping the modifier would bind the bare key, which is not what was meant
    close = difflib.get_close_matches(base, sorted(_NAMED_KEYS), n=1, cutoff=0.7)
    good = [m for m in modifiers if m in MODIFIERS]
    return "+".join([*good, close[0]]) if close else ""


# --- the bindings the console has --------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Nodes whose bindings are live at the same time: a screen, the app under it (only its
    priority keys under a modal screen), and the widgets the screen holds."""

    name: str
    nodes: tuple[type[DOMNode], ...]


def _import_console_modules() -> None:
    import fpconsole.tui

    for module in pkgutil.walk_packages(fpconsole.tui.__path__, "fpconsole.tui."):
        try:
            importlib.import_module(module.name)
        except Exception:  # a module that cannot load has no screen to check
            continue


def _subclasses(base: type[Any]) -> Iterator[type[Any]]:
    for sub in base.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def console_classes() -> list[type[DOMNode]]:
    """Every App, Screen and Widget class of fpconsole's that declares BINDINGS itself."""
    _import_console_modules()
    found: dict[str, type[DOMNode]] = {}
    for base in (App, Screen, Widget):
        for cls in _subclasses(base):
            if cls.__module__.startswith("fpconsole.") and "BINDINGS" in vars(cls):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def bindings_of(cls: type[DOMNode]) -> list[Binding]:
    """The class's bindings with its bases' (as Textual merges them), one per key."""
    return [binding for bindings in cls._merge_bindings().key_to_bindings.values() for binding in bindings]


def _qualified(cls: type[Any]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _place_name(cls: type[DOMNode]) -> str:
    """How an operator calls the place: "the Cards screen", "every list", "request form"."""
    import re

    section = getattr(cls, "SECTION", "")
    if isinstance(section, str) and section:
        return f"the {section} screen"
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cls.__name__.removesuffix("Screen")).lower()
    return "every list" if words == "list" else words


def places(classes: Iterable[type[DOMNode]]) -> list[Place]:
    classes = list(classes)
    apps = [cls for cls in classes if issubclass(cls, App)]
    by_name = {_qualified(cls): cls for cls in classes}
    found: list[Place] = []
    for cls in classes:
        if issubclass(cls, App):
            found.append(Place(cls.__name__, (cls,)))
            continue
        if not issubclass(cls, Screen):
            continue
        widgets = tuple(
            by_name[widget]
            for screen, held in _WIDGETS_IN.items()
            if any(_qualified(base) == screen for base in cls.__mro__)
            for widget in held
            if widget in by_name
        )
        found.append(Place(_place_name(cls), (cls, *apps, *widgets)))
    return found


# --- checking [keys] ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Live:
    node: type[DOMNode]
    binding: Binding

    @property
    def identity(self) -> str:
        return self.binding.id or f"{_qualified(self.node)}:{self.binding.action}"


def _live(place: Place) -> Iterator[_Live]:
    screen = place.nodes[0]
    modal = issubclass(screen, ModalScreen)
    for node in place.nodes:
        for binding in bindings_of(node):
            if modal and issubclass(node, App) and not binding.priority:
                continue  # a modal screen cuts the app's keys off, all but the priority ones
            yield _Live(node, binding)


def check_keys(settings: tuple[KeySetting, ...], shown_file: str) -> dict[str, str]:
    """The keymap for App.set_keymap, or a ConfigError listing every mistake in `[keys]`."""
    if not settings:
        return {}
    classes = console_classes()
    known = sorted({b.id for cls in classes for b in bindings_of(cls) if b.id})
    problems: list[ConfigError] = []

    def error(setting: KeySetting, problem: str, fix: str) -> ConfigError:
        return ConfigError(
            f"{shown_file}, line {setting.line}: keys.{setting.binding_id} {problem} — {fix}",
            file=shown_file,
            line=setting.line,
            field=f"keys.{setting.binding_id}",
        )

    keymap: dict[str, str] = {}
    lines: dict[str, KeySetting] = {}
    for setting in settings:
        if setting.binding_id not in known:
            import difflib

            guesses = difflib.get_close_matches(setting.binding_id, known, n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(guesses)}? " if guesses else ""
            problems.append(error(setting, "is not a binding id", f"{hint}`fpconsole keys` lists every id"))
            continue
        bad = [(key, problem) for key in setting.keys if (problem := key_problem(key)) is not None]
        if bad:
            key, problem = bad[0]
            close = _close_key(key)
            fix = f'write "{close}"' if close and close != key else KEY_NAME_HELP
            problems.append(error(setting, f'= "{",".join(setting.keys)}": {problem}', fix))
            continue
        keymap[setting.binding_id] = ",".join(normal_key(key) for key in setting.keys)
        lines[setting.binding_id] = setting
    problems += _conflicts(places(classes), keymap, lines, error)
    if problems:
        unique = {str(problem): problem for problem in problems}
        raise ConfigError.of(sorted(unique.values(), key=lambda problem: problem.line or 0))
    return {**_kept_siblings(classes, keymap), **keymap}


def _kept_siblings(classes: Iterable[type[DOMNode]], keymap: Mapping[str, str]) -> dict[str, str]:
    """Textual drops every binding of a key when one binding on it is moved: bindings that
    share a key with a moved one (a form's `o`: Open the new card / client) keep their own
    keys by being named in the keymap too."""
    kept: dict[str, str] = {}
    for cls in classes:
        by_key: dict[str, list[Binding]] = {}
        keys_of: dict[str, list[str]] = {}
        for binding in bindings_of(cls):
            key = normal_key(binding.key)
            by_key.setdefault(key, []).append(binding)
            if binding.id:
                keys_of.setdefault(binding.id, []).append(key)
        for bindings in by_key.values():
            if any(binding.id in keymap for binding in bindings):
                for binding in bindings:
                    if binding.id and binding.id not in keymap:
                        kept[binding.id] = ",".join(dict.fromkeys(keys_of[binding.id]))
    return kept


def _keys_of(live: _Live, keymap: Mapping[str, str]) -> tuple[str, ...]:
    if live.binding.id and live.binding.id in keymap:
        return tuple(keymap[live.binding.id].split(","))
    return (normal_key(live.binding.key),)


def _conflicts(
    found: list[Place],
    keymap: Mapping[str, str],
    lines: Mapping[str, KeySetting],
    error: Any,
) -> list[ConfigError]:
    problems: list[ConfigError] = []
    said: set[tuple[str, str, str]] = set()  # one error per pair and key, not one per screen
    for place in found:
        live = list(_live(place))
        default: dict[str, set[str]] = {}
        for item in live:
            default.setdefault(normal_key(item.binding.key), set()).add(item.identity)
        mapped: dict[str, dict[str, _Live]] = {}
        for item in live:
            for key in _keys_of(item, keymap):
                mapped.setdefault(key, {})[item.identity] = item
        for key, holders in mapped.items():
            for moved in holders.values():
                moved_id = moved.binding.id
                if moved_id is None or moved_id not in keymap:
                    continue  # only keys the user gave are checked
                for other_identity, other in holders.items():
                    if other_identity == moved.identity:
                        continue
                    if {moved.identity, other_identity} <= default.get(key, set()):
                        continue  # they share this key by design
                    if (moved.identity, other_identity, key) in said:
                        continue
                    said.add((moved.identity, other_identity, key))
                    what = other.binding.description or other.binding.action
                    owner = f"{other.binding.id} ({what})" if other.binding.id else what
                    fix = (
                        f"give keys.{moved.binding.id} another key, or move {other.binding.id} too"
                        if other.binding.id
                        else f"give keys.{moved.binding.id} another key"
                    )
                    problems.append(
                        error(
                            lines[moved_id],
                            f'= "{keymap[moved_id]}": {key} is already {owner} on {place.name}',
                            fix,
                        )
                    )
    return problems


def button_label(app: App[Any], binding_id: str, words: str, default_keys: str = SEND_KEYS) -> str:
    """A button's words and then its key as the key line names it ("Submit f9"): the binding's
    first key, the user's when [keys] moved it. (The first of SEND_KEYS is f9, not ctrl+s: see
    there.)"""
    first = (app._keymap.get(binding_id) or default_keys).split(",")[0].strip()
    return f"{words} {app.get_key_display(Binding(first, ''))}"


def keys_for(app: App[Any], binding_id: str, fallback: str, joiner: str = " or ") -> str:
    """The keys of `binding_id` as screens say them now: the user's when [keys] moved them,
    else `fallback` (its default keys)."""
    keys = app._keymap.get(binding_id) or fallback
    return joiner.join(app.get_key_display(Binding(key.strip(), "")) for key in keys.split(","))


# --- `fpconsole keys` ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BindingInfo:
    binding_id: str
    default: tuple[str, ...]  # keys as the console ships them
    description: str
    where: tuple[str, ...]  # the screens (or the app) that have it


def binding_ids() -> list[BindingInfo]:
    """Every binding id of the console, with its default keys and where it works."""
    found: dict[str, tuple[list[str], str, list[str]]] = {}
    for cls in console_classes():
        own = {b.id for b in Binding.make_bindings(vars(cls)["BINDINGS"]) if b.id}
        for binding in bindings_of(cls):
            if binding.id not in own or binding.id is None:
                continue  # listed where it is declared, not again in each subclass
            keys, description, where = found.setdefault(binding.id, ([], binding.description, []))
            if binding.key not in keys:
                keys.append(binding.key)
            name = "everywhere" if issubclass(cls, App) else _place_name(cls)
            if name not in where:
                where.append(name)
            if not description and binding.description:
                found[binding.id] = (keys, binding.description, where)
    return [
        BindingInfo(binding_id, tuple(keys), description, tuple(where))
        for binding_id, (keys, description, where) in sorted(found.items())
    ]


def run_keys(out: Any, *, as_json: bool, profile: str | None) -> int:
    """`fpconsole keys`: each binding id, its keys now ([keys] applied), its default and where it
    works; a [keys] mistake is said as the console would say it."""
    import json
    import sys

    from fpconsole.config import resolve_profile
    from fpconsole.exit_codes import EXIT_INVALID_INPUT, EXIT_OK

    try:
        chosen = resolve_profile(profile)
        keymap = check_keys(chosen.keys, chosen.config_file)
    except ConfigError as exc:
        sys.stderr.write(f"fpconsole: {exc}\n")
        return EXIT_INVALID_INPUT
    rows = []
    for info in binding_ids():
        now = tuple(keymap[info.binding_id].split(",")) if info.binding_id in keymap else info.default
        rows.append((info, now))
    if as_json:
        for info, now in rows:
            record = {
                "id": info.binding_id,
                "keys": list(now),
                "default": list(info.default),
                "description": info.description,
                "where": list(info.where),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return EXIT_OK
    table = [("ID", "KEYS", "WHAT", "WHERE")]
    table += [
        (
            info.binding_id,
            ",".join(now) + ("" if now == info.default else " *"),
            info.description,
            ", ".join(info.where),
        )
        for info, now in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)))
        out.write(f"  {row[3]}\n")
    out.write('\n* moved by [keys] in config.toml · e.g. [keys] then form.submit = "f9,ctrl+s"\n')
    return EXIT_OK
