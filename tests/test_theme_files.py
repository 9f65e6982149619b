"""Theme files are found inside the package (any install layout) and in the user's config folder;
a broken or odd file is a problem line, never an exception (item 21 of issue 12)."""

from __future__ import annotations

import os
from pathlib import Path

from fpconsole.theme_files import DEFAULT_THEME, available_theme_names, read_theme_tables
from fpconsole.tui.themes import load_themes

BUILT_IN = {"fpconsole-dark", "fpconsole-light", "fpconsole-16"}


def user_themes(home: Path) -> Path:
    folder = home / "config" / "themes"
    folder.mkdir(parents=True)
    return folder


def test_the_built_in_themes_come_from_the_package_not_sys_prefix() -> None:
    names = available_theme_names()
    assert set(names) == BUILT_IN
    assert DEFAULT_THEME in names
    assert all(t.source.startswith("built-in theme ") for t in read_theme_tables().tables)


def test_a_user_theme_is_added_and_overrides_by_name(isolated_home: Path) -> None:
    folder = user_themes(isolated_home)
    (folder / "mine.toml").write_text('name = "ops-night"\nprimary = "#224488"\n', encoding="utf-8")
    (folder / "dark.toml").write_text('name = "fpconsole-dark"\nprimary = "#ff0000"\n', encoding="utf-8")
    assert available_theme_names() == sorted([*BUILT_IN, "ops-night"])
    themes, problems = load_themes()
    assert problems == []
    by_name = {theme.name: theme for theme in themes}
    assert by_name["fpconsole-dark"].primary == "#ff0000"


def test_broken_user_files_are_reported_and_left_out(isolated_home: Path) -> None:
    folder = user_themes(isolated_home)
    (folder / "syntax.toml").write_text("name = \n", encoding="utf-8")
    (folder / "noname.toml").write_text('primary = "red"\n', encoding="utf-8")
    (folder / "binary.toml").write_bytes(b"\xff\xfe\x00name")
    (folder / "colour.toml").write_text('name = "bad-colour"\nprimary = "notacolour"\n', encoding="utf-8")
    (folder / "keys.toml").write_text('name = "bad-keys"\nprimary = "red"\nshade = 1\n', encoding="utf-8")
    (folder / "folder.toml").mkdir()
    os.mkfifo(folder / "fifo.toml")  # reading it would block forever
    names = available_theme_names()
    assert "bad-colour" in names  # parses; the colour is Textual's business, checked on load
    themes, problems = load_themes()
    assert {theme.name for theme in themes} == BUILT_IN
    text = "\n".join(problems)
    for culprit in ("syntax.toml", "noname.toml", "binary.toml", "colour.toml", "keys.toml"):
        assert culprit in text
    assert "notacolour" in text and "shade" in text
    assert "fifo.toml" not in text and "folder.toml" not in text


def test_an_oversized_theme_file_is_refused(isolated_home: Path) -> None:
    folder = user_themes(isolated_home)
    (folder / "huge.toml").write_text('name = "huge"\n' + "# x\n" * 100_000, encoding="utf-8")
    assert "huge" not in available_theme_names()
    assert any("huge.toml" in problem and "KiB" in problem for problem in read_theme_tables().problems)


def test_a_utf8_bom_is_accepted(isolated_home: Path) -> None:
    folder = user_themes(isolated_home)
    (folder / "bom.toml").write_bytes('\ufeffname = "with-bom"\nprimary = "red"\n'.encode())
    assert "with-bom" in available_theme_names()


def test_a_bad_variable_is_caught_on_load_not_when_textual_applies_it(isolated_home: Path) -> None:
    # Before, such a theme chosen in config stopped the console from starting (it hung in CSS).
    folder = user_themes(isolated_home)
    (folder / "vars.toml").write_text(
        'name = "bad-vars"\nprimary = "#224488"\n[variables]\nkind-sandbox = "notacolour"\n', encoding="utf-8"
    )
    (folder / "good.toml").write_text(
        'name = "good-vars"\nprimary = "red"\n[variables]\nkind-test = "$warning 50%"\n'
        'block-cursor-text-style = "bold"\nkind-sandbox = "ansi_green"\n',
        encoding="utf-8",
    )
    themes, problems = load_themes()
    assert "good-vars" in {theme.name for theme in themes}
    assert "bad-vars" not in {theme.name for theme in themes}
    assert problems == [f"{folder / 'vars.toml'}: variables.kind-sandbox = 'notacolour' is not a colour"]


async def test_a_broken_chosen_theme_starts_the_console_in_the_default_with_a_warning(
    isolated_home: Path,
) -> None:
    from fpconsole.tui.app import ConsoleContext, FpConsoleApp

    folder = user_themes(isolated_home)
    (folder / "vars.toml").write_text(
        'name = "bad-vars"\nprimary = "#224488"\n[variables]\nfooter-background = "zzz"\n', encoding="utf-8"
    )
    app = FpConsoleApp(ConsoleContext(user_host="qa@jumphost", start_backend=False, theme="bad-vars"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == DEFAULT_THEME
        shown = [str(n.message) for n in app._notifications]
        assert any("vars.toml" in line and "footer-background" in line for line in shown)
        assert any("'bad-vars'" in line and DEFAULT_THEME in line for line in shown)


async def test_a_chosen_theme_whose_file_is_broken_names_the_file_and_its_error(isolated_home: Path) -> None:
    from fpconsole.tui.app import ConsoleContext, FpConsoleApp

    folder = user_themes(isolated_home)
    (folder / "broken.toml").write_text('name = "broken"\nprimary = \n', encoding="utf-8")
    (folder / "colour.toml").write_text('name = "bad-colour"\nprimary = "nocolour"\n', encoding="utf-8")
    (folder / "night.toml").write_text('name = "night-shift"\nprimary = "#88c0d0"\n', encoding="utf-8")
    for wanted, file, error in [
        ("broken", "broken.toml", "Invalid value"),
        ("bad-colour", "colour.toml", "nocolour"),
    ]:
        app = FpConsoleApp(ConsoleContext(user_host="qa@jumphost", start_backend=False, theme=wanted))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.theme == DEFAULT_THEME
            [said] = [problem for problem in app.theme_problems if f"{wanted!r}" in problem]
            assert str(folder / file) in said and error in said, said
            # The user's usable themes are offered next to the built-in ones.
            assert "night-shift" in said and "fpconsole-light" in said, said
            # Said once: the file's error is not a second notification as well.
            assert not [p for p in app.theme_problems if p != said and str(folder / file) in p], (
                app.theme_problems
            )
