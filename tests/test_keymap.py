"""[keys] and settings.mouse in config.toml: read with their lines, checked against the console's
own bindings (unknown id, bad key name, two bindings on one key in one place: each a config error
naming file, line and key with the fix), applied by the launch; every binding has an id."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding

from fpconsole import cli
from fpconsole.config import ConfigError, load_config
from fpconsole.config.model import KeySetting
from fpconsole.tui import launch
from fpconsole.tui.app import FpConsoleApp
from fpconsole.tui.keymap import bindings_of, check_keys, console_classes, key_problem


def write_config(home: Path, text: str) -> Path:
    (home / "config").mkdir(parents=True, exist_ok=True)
    path = home / "config" / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def setting(binding_id: str, keys: str, line: int = 2) -> KeySetting:
    return KeySetting(binding_id, tuple(keys.split(",")), line)


# --- reading [keys] ----------------------------------------------------------------------------


def test_keys_are_read_dotted_or_as_tables_with_their_lines(isolated_home: Path) -> None:
    write_config(
        isolated_home,
        '[keys]\nform.submit = "f10, ctrl+s"\nfilter = ["ctrl+f"]\n\n[keys.bulk]\nstart = "f10"\n',
    )
    keys = load_config().keys
    assert keys == (
        KeySetting("form.submit", ("f10", "ctrl+s"), 2),
        KeySetting("filter", ("ctrl+f",), 3),
        KeySetting("bulk.start", ("f10",), 6),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('keys = "f10"\n', "line 1: keys must be a table"),
        ("[keys]\nfilter = 3\n", "line 2: keys.filter = 3 must be a string of keys"),
        ('[keys]\nfilter = "ctrl+f,,x"\n', "line 2: keys.filter"),
        ('[keys]\nfilter = "ctrl f"\n', "empty or spaced key name"),
    ],
)
def test_a_badly_shaped_keys_table_is_a_config_error_with_its_line(
    isolated_home: Path, text: str, expected: str
) -> None:
    write_config(isolated_home, text)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert expected in str(caught.value)


def test_mouse_is_on_unless_settings_say_false(isolated_home: Path) -> None:
    assert load_config().mouse is True
    write_config(isolated_home, "[settings]\nmouse = false\n")
    assert load_config().mouse is False
    write_config(isolated_home, '[settings]\nmouse = "no"\n')
    with pytest.raises(ConfigError, match=r"line 2: settings.mouse .* use mouse = false"):
        load_config()


# --- checking them against the bindings -----------------------------------------------------------


def test_a_good_keymap_is_what_textual_applies() -> None:
    assert check_keys((setting("form.submit", "f10,?"),), "config.toml") == {
        "form.submit": "f10,question_mark"
    }


def test_an_unknown_id_names_file_line_and_the_close_id() -> None:
    with pytest.raises(ConfigError) as caught:
        check_keys((setting("form.sumbit", "f10", line=7),), "~/.config/fpconsole/config.toml")
    error = caught.value
    assert str(error).startswith(
        "~/.config/fpconsole/config.toml, line 7: keys.form.sumbit is not a binding id"
    )
    assert "did you mean form.submit" in str(error) and "fpconsole keys" in str(error)
    assert (error.line, error.field) == (7, "keys.form.sumbit")


@pytest.mark.parametrize(
    ("keys", "fix"),
    [("Ctrl+S", 'write "ctrl+s"'), ("control-s", 'write "ctrl+s"'), ("f99x", "key names are like")],
)
def test_a_bad_key_name_says_the_key_to_write(keys: str, fix: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_keys((setting("filter", keys, line=3),), "config.toml")
    assert "config.toml, line 3: keys.filter" in str(caught.value) and fix in str(caught.value)


@pytest.mark.parametrize(
    "key", ["f9", "ctrl+s", "escape", "question_mark", "?", "a", "G", "shift+tab", "ctrl+pageup"]
)
def test_textual_key_names_are_accepted(key: str) -> None:
    assert key_problem(key) is None


def test_two_bindings_on_one_key_in_one_place_is_a_conflict_naming_both() -> None:
    with pytest.raises(ConfigError) as caught:
        check_keys((setting("form.submit", "escape", line=4),), "config.toml")
    message = str(caught.value)
    assert message.startswith(
        'config.toml, line 4: keys.form.submit = "escape": escape is already form.cancel'
    )
    assert "give keys.form.submit another key, or move form.cancel too" in message


def test_a_key_a_list_widget_uses_conflicts_with_the_lists_screen() -> None:
    # j moves down in every list: a filter on j would never open while the list has focus.
    with pytest.raises(
        ConfigError, match=r"keys.filter = \"j\": j is already list-down \(Down\) on every list"
    ):
        check_keys((setting("filter", "j"),), "config.toml")


def test_an_app_key_moved_onto_a_sections_key_conflicts_there() -> None:
    with pytest.raises(ConfigError, match=r"n is already new-client \(New client\) on the Clients screen"):
        check_keys((setting("clients", "n"),), "config.toml")


def test_every_mistake_is_said_at_once_in_file_order() -> None:
    with pytest.raises(ConfigError) as caught:
        check_keys((setting("nope", "x", line=5), setting("filter", "Ctrl+F", line=2)), "config.toml")
    assert [problem.line for problem in caught.value.problems] == [2, 5]


def test_keys_shared_by_design_stay_shared_and_a_moved_one_keeps_its_sibling() -> None:
    # The two Enter bindings of a confirmation are one id, moved together.
    assert check_keys((setting("confirm-enter", "ctrl+y"),), "c") == {"confirm-enter": "ctrl+y"}
    # A form's `o` opens the new card or the new client: moving one keeps the other on o
    # (Textual would otherwise drop every binding of o).
    assert check_keys((setting("form.open_card", "O"),), "c") == {
        "form.open_card": "O",
        "form.open_client": "o",
    }


def test_every_binding_of_the_console_has_an_id() -> None:
    missing = [
        f"{cls.__module__}.{cls.__qualname__}: {binding.key} → {binding.action}"
        for cls in console_classes()
        for binding in Binding.make_bindings(vars(cls)["BINDINGS"])
        if not binding.id
    ]
    assert missing == []


def test_no_id_is_a_dotted_prefix_of_another() -> None:
    # TOML cannot hold both `bulk = "f6"` and `bulk.start = "f9"` in one [keys] table.
    ids = {binding.id for cls in console_classes() for binding in bindings_of(cls) if binding.id}
    assert not [(a, b) for a in ids for b in ids if b.startswith(a + ".")]


# --- the launch ----------------------------------------------------------------------------------


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """FpConsoleApp.run's arguments, the app not started."""
    calls: list[dict[str, Any]] = []

    def run(self: FpConsoleApp, **kwargs: Any) -> int:
        calls.append({"keymap": dict(self._keymap), "mouse": True, **kwargs})
        return 0

    monkeypatch.setattr(FpConsoleApp, "run", run)
    return calls


def test_the_console_does_not_start_on_a_conflict_and_says_where(
    isolated_home: Path, runs: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(isolated_home, '[settings]\ntheme = "fpconsole-dark"\n\n[keys]\nform.submit = "escape"\n')
    assert launch.run_console(profile=None, theme=None, read_only=False) == 2
    assert runs == []
    err = capsys.readouterr().err
    assert "config.toml, line 5: keys.form.submit" in err and "escape is already form.cancel" in err


def test_the_launch_applies_the_keymap(isolated_home: Path, runs: list[dict[str, Any]]) -> None:
    write_config(isolated_home, '[keys]\nform.submit = "f10"\n')
    assert launch.run_console(profile=None, theme=None, read_only=False) == 0
    assert runs[0]["keymap"] == {"form.submit": "f10"}
    assert runs[0]["mouse"] is True


def test_no_mouse_flag_and_mouse_false_leave_the_mouse_to_the_terminal(
    isolated_home: Path, runs: list[dict[str, Any]]
) -> None:
    assert cli.main(["--no-mouse"]) == 0
    write_config(isolated_home, "[settings]\nmouse = false\n")
    assert cli.main([]) == 0
    assert [run["mouse"] for run in runs] == [False, False]


# --- fpconsole keys ------------------------------------------------------------------------------


def _keys_output(argv: list[str]) -> tuple[int, str]:
    import sys

    out = io.StringIO()
    real, sys.stdout = sys.stdout, out
    try:
        code = cli.main(argv)
    finally:
        sys.stdout = real
    return code, out.getvalue()


def test_keys_lists_every_id_with_the_users_keys(isolated_home: Path) -> None:
    import json

    write_config(isolated_home, '[keys]\nform.submit = "f10"\n')
    code, text = _keys_output(["keys"])
    assert code == 0
    line = next(row for row in text.splitlines() if row.startswith("form.submit "))
    assert "f10 *" in line and "Submit" in line
    code, lines = _keys_output(["keys", "--json"])
    records = {record["id"]: record for record in map(json.loads, lines.splitlines())}
    assert records["form.submit"]["keys"] == ["f10"] and records["form.submit"]["default"] == ["f9", "ctrl+s"]
    assert records["quit"]["where"] == ["everywhere"]


@pytest.mark.parametrize("keys", ["hyper+q", "super+q", "meta+q", "f9,ctrl+super+s"])
def test_a_modifier_the_terminal_never_sends_is_refused_with_file_and_line(keys: str) -> None:
    # QA: filter = "hyper+q" was accepted, and the key could never be pressed (tmux, screen, xterm
    # and VTE drop super, hyper and meta; only the kitty keyboard protocol reports them).
    with pytest.raises(ConfigError) as caught:
        check_keys((setting("filter", keys, line=5),), "config.toml")
    message = str(caught.value)
    assert message.startswith(f'config.toml, line 5: keys.filter = "{keys}": ')
    assert "is a modifier terminals do not send" in message and "use ctrl, shift or alt" in message
    assert "key names are like" in message  # not 'write "q"': a bare key is not what was meant
    assert (caught.value.line, caught.value.field) == (5, "keys.filter")


@pytest.mark.parametrize("key", ["hyper+q", "super+a", "meta+x", "ctrl+hyper+s", "left_hyper", "f99x"])
def test_keys_textual_never_hears_from_a_usual_terminal_are_problems(key: str) -> None:
    assert key_problem(key) is not None
