"""`fpconsole views`: the saved views of a profile (the console's `w` / `:view NAME`), listed,
added (a team can hand round the same filters) or deleted, without opening the console."""

from __future__ import annotations

from typing import TextIO

from fpconsole.exit_codes import EXIT_INVALID_INPUT, EXIT_OK


def run_views(action: str | None, words: list[str], profile: str | None, out: TextIO, err: TextIO) -> int:
    from fpconsole.config import ConfigError, load_config
    from fpconsole.list_filters import LIST_QUALIFIERS, parse_filter
    from fpconsole.store.views import SECTIONS, ViewError, ViewStore

    def fail(message: str) -> int:
        err.write(f"fpconsole views: {message}\n")
        return EXIT_INVALID_INPUT

    try:
        config = load_config()
        name = profile or config.default_name
        if profile is not None:
            config.profile(profile)
    except ConfigError as exc:
        return fail(str(exc))
    with ViewStore.open(profile=name) as views:
        if action in (None, "list"):
            if words:
                return fail("list takes no arguments")
            found = views.list()
            if not found:
                out.write(f"no saved views for profile {name} (fpconsole views add NAME SECTION FILTER)\n")
            width = max((len(view.name) for view in found), default=0)
            for view in found:
                out.write(f"{view.name.ljust(width)}  {view.section.ljust(12)}  {view.filter}\n")
            return EXIT_OK
        if action == "delete":
            if len(words) != 1:
                return fail("usage: fpconsole views delete NAME")
            if not views.delete(words[0]):
                return fail(f"no view named {words[0]!r} for profile {name}")
            out.write(f"deleted view {words[0]}\n")
            return EXIT_OK
        # add NAME SECTION FILTER...
        if len(words) < 3:
            return fail("usage: fpconsole views add NAME SECTION FILTER (e.g. blocked cards status:blocked)")
        view_name, section, text = words[0], words[1].lower(), " ".join(words[2:])
        if section not in SECTIONS:
            return fail(f"section {words[1]!r}: one of {', '.join(SECTIONS)}")
        problems = parse_filter(text, LIST_QUALIFIERS[section]).problems
        if problems:
            return fail("; ".join(problems))
        try:
            replaced = views.save(view_name, section, text)
        except ViewError as exc:
            return fail(str(exc))
        saved = views.get(view_name)
        shown = saved.filter if saved is not None else text
        out.write(f"{'replaced' if replaced else 'saved'} view {view_name}: {section}  {shown}\n")
        return EXIT_OK
