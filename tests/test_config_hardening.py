"""Broken configs as an operator writes them: every one is a plain message naming the file, the
line and the key, never a traceback or a hang (issue 12, item 11)."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fpconsole.config import ConfigError, ConfigWarning, Profile, SecretError, load_config
from fpconsole.config import model as config_module
from fpconsole.config.secrets import SECRET_LIMIT
from fpconsole.locations import config_file

# Generous: a loaded 2-core CI box; only a hang (the bug) gets near it.
HANG = 60.0


def write_home_config(text: str | bytes) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(text: str | bytes) -> ConfigError:
    path = write_home_config(text)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value).startswith(str(path)), str(caught.value)
    return caught.value


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from fpconsole import cli

    code = cli.main(argv)
    return code, capsys.readouterr().err


QA = """\
[profiles.qa]
kind = "test"
auth_id = "1"
secret_env = "FP_QA_SECRET"
"""


# --- URLs and ports ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        pytest.param("https://h:99999", "has port 99999, which is not a port number (1 to 65535)", id="high"),
        pytest.param("https://h:0", "has port 0, which is not a port number (1 to 65535)", id="zero"),
        pytest.param(
            "https://h:44x3", 'has port "44x3", which is not a port number (1 to 65535)', id="letters"
        ),
        pytest.param("https://[::1", "is not a valid URL (Invalid IPv6 URL)", id="ipv6"),
        pytest.param("https://h\\u0001x", "contains a space or a control character", id="control"),
        pytest.param("https://my host", "contains a space or a control character", id="space"),
    ],
)
def test_a_bad_port_or_host_is_refused_at_validation(
    url: str, problem: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    error = refused(QA + f'base_url = "{url}"\n')
    assert "line 5: profiles.qa.base_url = " in str(error) and problem in str(error), str(error)
    assert error.line == 5 and error.field == "profiles.qa.base_url"
    monkeypatch.setenv("FP_QA_SECRET", "s")
    for argv in (["profiles"], ["call", "--profile", "qa", "card.info", "card_id=1"]):
        code, err = run_cli(argv, capsys)
        assert code == 2 and "Traceback" not in err and err.count("\n") == 1, err
        assert problem in err


def test_a_proxy_port_is_checked_the_same_way() -> None:
    error = refused(QA + 'base_url = "https://h"\nproxy = "http://proxy:312800"\n')
    assert 'line 6: profiles.qa.proxy = "http://proxy:312800" has port 312800' in str(error), str(error)


def test_a_normal_port_is_kept() -> None:
    write_home_config(QA + 'base_url = "https://h:8443/"\n')
    assert load_config().profile("qa").base_url == "https://h:8443"


# --- nesting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("{a = " * 2000 + "1" + " }" * 2000, id="inline-tables"),
        pytest.param("[" * 2000 + "]" * 2000, id="arrays"),
    ],
)
def test_values_nested_thousands_deep_are_a_config_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    error = refused(f'[profiles.qa]\nkind = "sandbox"\nx = {value}\n')
    assert "line 3: invalid TOML near `x`: values are nested too deeply" in str(error), str(error)[:300]
    assert error.line == 3
    code, err = run_cli(["profiles"], capsys)
    assert code == 2 and "Traceback" not in err and "RecursionError" not in err and err.count("\n") == 1


# --- BOM ---------------------------------------------------------------------------------------


def test_a_utf8_bom_is_accepted() -> None:
    """Notepad and some editors on Windows start the file with one."""
    write_home_config(b'\xef\xbb\xbf[profiles.qa]\nkind = "sandbox"\n\n[settings]\ndefault_profile = "qa"\n')
    assert load_config().default_name == "qa"
    # Lines are still counted from the file's first line.
    error = refused(b'\xef\xbb\xbf[profiles.qa]\nkind = "prod"\n')
    assert 'line 2: profiles.qa.kind = "prod"' in str(error)


# --- several mistakes ----------------------------------------------------------------------------

SEVERAL = """\
[profiles.a]
kind = "prod"
secret_evn = "X"

[profiles.b]
kind = "sandbox"
colour = "red"
read_timeout = -1

[settings]
theme = 3
default_profile = "c"
"""


def test_every_mistake_is_reported_each_with_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = write_home_config(SEVERAL)
    with pytest.raises(ConfigError) as caught:
        load_config()
    error = caught.value
    found = [(p.line, p.field) for p in error.problems]
    assert found == [
        (2, "profiles.a.kind"),
        (3, "profiles.a.secret_evn"),
        (7, "profiles.b.colour"),
        (8, "profiles.b.read_timeout"),
        (11, "settings.theme"),
        (12, "settings.default_profile"),
    ]
    lines = str(error).splitlines()
    assert len(lines) == 6 and all(line.startswith(f"{path}, line ") for line in lines), lines
    assert "did you mean secret_env?" in lines[1] and "use one of sandbox, a, b" in lines[5]
    # The first problem stays where a UI looks for one.
    assert (error.file, error.line, error.field) == (str(path), 2, "profiles.a.kind")
    code, err = run_cli(["profiles"], capsys)
    assert code == 2 and err.count("\n") == 6 and err.startswith(f"fpconsole: {path}, line 2:"), err


def test_a_broken_profile_does_not_cascade_into_more_messages() -> None:
    """default_profile naming a profile with mistakes is not a second mistake; nor is a missing
    base_url/auth_id/secret when the kind itself could not be read."""
    error = refused(
        """\
        [profiles.qa]
        kind = "staging"

        [settings]
        default_profile = "qa"
        """
    )
    assert [p.field for p in error.problems] == ["profiles.qa.kind"]
    assert error.problems == (error,)


def test_profiles_that_are_not_a_table_do_not_make_default_profile_a_mistake() -> None:
    error = refused('profiles = 3\n[settings]\ndefault_profile = "qa"\n')
    assert [p.field for p in error.problems] == ["profiles"]


def test_one_mistake_is_one_line_as_before() -> None:
    error = refused('[profiles.qa]\nkind = "prod"\n')
    assert len(error.problems) == 1 and "\n" not in str(error)


# --- secret files --------------------------------------------------------------------------------


def profile_with_file(target: Path | str) -> Profile:
    write_home_config(
        f'{QA}base_url = "https://h"\n'.replace('secret_env = "FP_QA_SECRET"', f'secret_file = "{target}"')
    )
    return load_config().profile("qa")


def resolve_in_thread(profile: Profile) -> BaseException | str:
    """The outcome of resolve_secret(), failing the test (not hanging it) if it never returns."""
    outcome: list[BaseException | str] = []

    def run() -> None:
        try:
            outcome.append(profile.resolve_secret())
        except BaseException as exc:  # the test looks at whatever it was
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG)
    assert outcome, f"resolve_secret() still running after {HANG:g} s"
    return outcome[0]


def test_a_fifo_as_secret_file_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "qa.secret"
    os.mkfifo(fifo, 0o600)
    profile = profile_with_file(fifo)
    try:
        outcome = resolve_in_thread(profile)
    finally:
        # Should it hang in open(), a writer releases it so the thread ends.
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert isinstance(outcome, ConfigError), outcome
    message = str(outcome)
    assert (
        f'line 4: profiles.qa.secret_file = "{fifo}": {fifo} is a named pipe, not a regular file' in message
    )
    assert "chmod" not in message and outcome.field == "profiles.qa.secret_file"


@pytest.mark.parametrize(
    ("make", "what"),
    [
        pytest.param(lambda p: (p.mkdir(mode=0o755), p)[1], "is a folder, not a regular file", id="folder"),
        pytest.param(lambda p: Path("/dev/zero"), "is a character device, not a regular file", id="dev-zero"),
    ],
)
def test_a_secret_file_that_is_not_a_file_says_so(
    tmp_path: Path, make: Callable[[Path], Path], what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = make(tmp_path / "qa.secret")
    outcome = resolve_in_thread(profile_with_file(target))
    # A mistake at a line of the file, and a secret that could not be fetched.
    assert isinstance(outcome, ConfigError) and isinstance(outcome, SecretError), outcome
    assert what in str(outcome) and "chmod" not in str(outcome), str(outcome)
    assert "secret_file must name a file holding only the secret" in str(outcome)
    code, err = run_cli(["call", "--profile", "qa", "card.info", "card_id=1"], capsys)
    assert code == 2 and "Traceback" not in err and what in err and err.count("\n") == 1, err


def test_a_huge_secret_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "qa.secret"
    big.write_bytes(b"x" * (SECRET_LIMIT + 1))
    big.chmod(0o600)
    outcome = resolve_in_thread(profile_with_file(big))
    assert isinstance(outcome, ConfigError), outcome
    assert f"is {SECRET_LIMIT + 1} bytes; a secret file holds one secret (at most 64 KiB)" in str(outcome)
    assert "xxxx" not in str(outcome) and "chmod" not in str(outcome)
    big.write_bytes(b"y" * SECRET_LIMIT)
    assert profile_with_file(big).resolve_secret() == "y" * SECRET_LIMIT


# --- secret commands -----------------------------------------------------------------------------


def profile_with_command(command: str) -> Profile:
    write_home_config(
        QA.replace('secret_env = "FP_QA_SECRET"', f"secret_command = '''{command}'''")
        + 'base_url = "https://h"\n'
    )
    return load_config().profile("qa")


def script(tmp_path: Path, code: str) -> str:
    path = tmp_path / "fake-pass.py"
    path.write_text(textwrap.dedent(code))
    return shlex.join([sys.executable, str(path)])


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("yes", id="yes"),
        pytest.param(
            shlex.join([sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('s' * 4096)"]),
            id="python",
        ),
    ],
)
def test_a_secret_command_printing_without_end_is_cut_at_64_kib(command: str) -> None:
    if command == "yes" and not any((Path(d) / "yes").exists() for d in os.get_exec_path()):
        pytest.skip("no yes(1) here")
    outcome = resolve_in_thread(profile_with_command(command))
    assert isinstance(outcome, SecretError), outcome
    message = str(outcome)
    assert "printed more than 64 KiB" in message and "a secret command prints only the secret" in message
    assert "yyyy" not in message and "y\ny" not in message and "ssss" not in message


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie nobody reaped (PID 1 in a container may not)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return fields[0] != "Z"


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + HANG
    while _alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still running"
        time.sleep(0.05)


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def test_a_secret_command_that_closes_its_output_before_it_exits_is_waited_for(tmp_path: Path) -> None:
    """cat, echo and printf close stdout and stderr themselves just before they exit: the pipes
    were at their end, the command was killed in that instant, and 7 runs in 10 of
    `secret_command = "cat file"` failed with "exited with status -9" (QA 24). Here the moment
    is made long on purpose."""
    command = script(
        tmp_path,
        """
        import os, sys, time
        sys.stdout.write("the-secret\\n")
        sys.stdout.flush()
        os.close(1)
        os.close(2)
        time.sleep(0.3)
        """,
    )
    assert resolve_in_thread(profile_with_command(command)) == "the-secret"


def test_cat_as_the_secret_command_reads_the_secret_every_time(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    profile = profile_with_command(shlex.join(["cat", str(secret)]))
    assert [resolve_in_thread(profile) for _ in range(20)] == ["s3cret"] * 20


@needs_proc
@pytest.mark.parametrize("keeps_stdout", [True, False], ids=["child-keeps-stdout", "child-detached"])
def test_a_child_left_behind_by_the_secret_command_is_ended(tmp_path: Path, keeps_stdout: bool) -> None:
    """A helper that backgrounds a child (an agent, a `sleep &`) must not leave it running, and a
    child holding stdout open must not make fpconsole wait for it."""
    pid_file = tmp_path / "child.pid"
    command = script(
        tmp_path,
        f"""
        import subprocess, sys
        child = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(600)"],
            stdout=None if {keeps_stdout} else subprocess.DEVNULL,
        )
        open({str(pid_file)!r}, "w").write(str(child.pid))
        print("the-secret")
        """,
    )
    outcome = resolve_in_thread(profile_with_command(command))
    assert outcome == "the-secret"
    _wait_gone(int(pid_file.read_text()))


@needs_proc
def test_a_secret_command_that_times_out_is_ended_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "child.pid"
    command = script(
        tmp_path,
        f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(600)
        """,
    )
    # Long enough for the script to start its child on a loaded box.
    monkeypatch.setattr(config_module, "SECRET_COMMAND_TIMEOUT", 5.0)
    outcome = resolve_in_thread(profile_with_command(command))
    assert isinstance(outcome, SecretError) and "did not finish within 5 s" in str(outcome), outcome
    assert pid_file.exists(), "the command did not even start its child within the timeout"
    _wait_gone(int(pid_file.read_text()))


def test_a_config_toml_that_is_a_fifo_is_refused_not_waited_on(capsys: pytest.CaptureFixture[str]) -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    os.mkfifo(path, 0o600)
    outcome: list[tuple[int, str]] = []
    thread = threading.Thread(target=lambda: outcome.append(run_cli(["profiles"], capsys)), daemon=True)
    try:
        thread.start()
        thread.join(HANG)
    finally:
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert outcome == [(2, f"fpconsole: {path}: is not a regular file — config.toml must be a text file\n")]


# --- theme -------------------------------------------------------------------------------------


def theme_warning(text: str) -> ConfigWarning:
    """The config loads (a theme typo stops nothing) and says what is wrong, once."""
    write_home_config(text)
    with pytest.warns(ConfigWarning) as caught:
        config = load_config()
    found = [item.message for item in caught if isinstance(item.message, ConfigWarning)]
    assert len(found) == 1, found
    assert config.theme is not None
    return found[0]


def test_an_unknown_theme_is_a_warning_with_the_names_there_are() -> None:
    warning = theme_warning('[settings]\ntheme = "nope"\n')
    themes_folder = config_file().parent / "themes"
    assert str(warning) == (
        f'{config_file()}, line 2: settings.theme = "nope" is not a theme '
        "(the console uses fpconsole-dark) — themes: fpconsole-16, fpconsole-dark, "
        f"fpconsole-light (your own go in {themes_folder}/NAME.toml)"
    ), str(warning)
    assert warning.field == "settings.theme" and warning.line == 2
    warning = theme_warning('[settings]\ntheme = "fpconsole-ligth"\n')
    assert (
        'is not a theme (the console uses fpconsole-dark) — use theme = "fpconsole-light"; themes: '
        in str(warning)
    )


@pytest.mark.parametrize(
    "argv",
    [["profiles"], ["journal"], ["call", "card.info", "card_id=7001001", "--curl"]],
    ids=lambda argv: argv[0],
)
def test_an_unknown_theme_stops_no_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    write_home_config('[settings]\ntheme = "fpconsole-ligth"\n')
    code, err = run_cli(argv, capsys)
    assert code == 0, err
    # One line on stderr, however often the command reads the config.
    warnings_said = [line for line in err.splitlines() if line.startswith("fpconsole: warning: ")]
    assert len(warnings_said) == 1, err
    assert 'settings.theme = "fpconsole-ligth" is not a theme' in warnings_said[0]
    assert 'use theme = "fpconsole-light"' in warnings_said[0]
    assert "Traceback" not in err


def test_an_unknown_theme_stops_no_bulk_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write_home_config('[settings]\ntheme = "nope"\n')
    rows = tmp_path / "one.csv"
    rows.write_text(
        "product_id,phone,type,resident,first_name,last_name\n2000,77011234567,1,1,ALIYA,SERIKOVA\n"
    )
    code, err = run_cli(["bulk", str(rows)], capsys)
    assert code == 0, err
    assert err.count("fpconsole: warning: ") == 1 and 'settings.theme = "nope" is not a theme' in err


def test_the_console_starts_in_the_default_theme_and_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpconsole.tui.app import FpConsoleApp

    started: list[tuple[str, list[str]]] = []

    def run(app: FpConsoleApp) -> int:  # the app as it would start, without a terminal
        started.append((app.theme, list(app.theme_problems)))
        return 0

    monkeypatch.setattr(FpConsoleApp, "run", run)
    write_home_config('[settings]\ntheme = "nope"\n')
    code, err = run_cli([], capsys)
    assert code == 0, err
    assert started and started[0][0] == "fpconsole-dark"
    assert any("'nope'" in problem and "fpconsole-dark" in problem for problem in started[0][1]), started


def test_a_theme_of_the_users_own_is_accepted() -> None:
    themes = config_file().parent / "themes"
    themes.mkdir(parents=True)
    (themes / "night.toml").write_text('name = "night-shift"\nprimary = "#88c0d0"\n')
    write_home_config('[settings]\ntheme = "night-shift"\n')
    assert load_config().theme == "night-shift"
    for name in ("fpconsole-dark", "fpconsole-light", "fpconsole-16"):
        write_home_config(f'[settings]\ntheme = "{name}"\n')
        assert load_config().theme == name


def test_a_broken_theme_file_is_named_when_its_theme_is_asked_for() -> None:
    themes = config_file().parent / "themes"
    themes.mkdir(parents=True)
    (themes / "night.toml").write_text('name = "night-shift"\nprimary = \n')
    warning = theme_warning('[settings]\ntheme = "night-shift"\n')
    assert f"a theme file could not be read: {themes / 'night.toml'}: " in str(warning), str(warning)


# --- more paths that are not what they seem ----------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_ca_bundle_that_is_not_a_file_or_folder_is_refused_at_load(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """OpenSSL would wait on a FIFO for ever, and read /dev/zero for ever."""
    target = tmp_path / "corp.pem"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target = Path("/dev/zero")
    path = write_home_config(f'[profiles.qa]\nkind = "sandbox"\nca_bundle = "{target}"\n')
    what = "a named pipe" if kind == "fifo" else "a character device"
    outcome: list[tuple[int, str]] = []
    thread = threading.Thread(
        target=lambda: outcome.append(run_cli(["call", "--profile", "qa", "card.info", "card_id=1"], capsys)),
        daemon=True,
    )
    try:
        thread.start()
        thread.join(HANG)
    finally:
        if kind == "fifo":
            with contextlib.suppress(OSError):
                os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK))
    assert outcome, "still running"
    code, err = outcome[0]
    assert code == 2 and err.count("\n") == 1, err
    assert f'{path}, line 3: profiles.qa.ca_bundle = "{target}": {target} is {what}, not a file' in err, err


def test_a_proxy_password_is_never_echoed() -> None:
    error = refused(QA + 'base_url = "https://h"\nproxy = "http://ops:Pr0xyPa55@proxy:312800"\n')
    assert "Pr0xyPa55" not in str(error)
    assert 'profiles.qa.proxy = "http://ops:***@proxy:312800" has port 312800' in str(error), str(error)


def test_a_huge_config_toml_is_refused_without_reading_it() -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    with path.open("wb") as stream:
        stream.truncate(2 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value) == (
        f"{path}: is 2097152 bytes; a config.toml holds profiles and settings (at most 1 MiB) — "
        "check that this is the right file"
    )


def test_credentials_in_base_url_never_reach_the_host_shown() -> None:
    write_home_config(QA + 'base_url = "https://ops:Pa55w0rd@h:8443"\n')
    assert load_config().profile("qa").host == "h:8443"


def test_a_ca_bundle_path_too_long_to_look_up_is_a_config_error() -> None:
    error = refused(f'[profiles.qa]\nkind = "sandbox"\nca_bundle = "/tmp/{"a" * 5000}"\n')
    assert "line 3: profiles.qa.ca_bundle = " in str(error) and "cannot be used (File name too long)" in str(
        error
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            'ca_bundle = "~no-such-user-fp/corp.pem"',
            "~no-such-user-fp is not a home folder here",
            id="ca-user",
        ),
        pytest.param(
            'secret_file = "~no-such-user-fp/qa"',
            "~no-such-user-fp is not a home folder here",
            id="file-user",
        ),
        pytest.param('ca_bundle = "/tmp/a\\u0000b"', "contains a NUL character", id="ca-nul"),
        pytest.param('secret_file = "/tmp/a\\u0000b"', "contains a NUL character", id="file-nul"),
        pytest.param(
            'secret_command = "pass show a\\u0000b"',
            "secret_command contains a NUL character",
            id="command-nul",
        ),
    ],
)
def test_paths_and_commands_no_system_call_takes_are_refused_at_load(line: str, expected: str) -> None:
    error = refused(f'[profiles.qa]\nkind = "sandbox"\n{line}\n')
    assert "line 3: profiles.qa." in str(error) and expected in str(error), str(error)


def test_fpconsole_home_set_to_a_file_says_so_not_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "home.txt"
    a_file.write_text("not a folder\n")
    monkeypatch.setenv("FPCONSOLE_HOME", str(a_file))
    code, err = run_cli(["profiles"], capsys)
    assert code == 2
    assert f"FPCONSOLE_HOME={a_file} is a file, not a folder" in err, err
    assert "permissions" not in err
    assert a_file.read_text() == "not a folder\n"


def test_a_theme_warning_is_reported_with_the_mistakes_not_dropped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_home_config(
        '[profiles.a]\nkind = "prod"\n\n[settings]\ntheme = "nope"\ndefault_profile = "c"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config()
    error = caught.value
    assert [(p.line, p.field) for p in error.problems] == [
        (2, "profiles.a.kind"),
        (6, "settings.default_profile"),
    ]
    assert [(w.line, w.field) for w in error.warnings] == [(5, "settings.theme")]
    lines = str(error).splitlines()
    assert len(lines) == 3, lines
    assert lines[1].startswith(f'warning: {path}, line 5: settings.theme = "nope" is not a theme'), lines
    code, err = run_cli(["profiles"], capsys)
    assert code == 2 and 'settings.theme = "nope" is not a theme' in err, err
    assert err.count("is not a theme") == 1, err


def test_the_docs_promise_only_what_ending_the_process_group_keeps() -> None:
    """The command's own process group is ended (tested above); a child that starts a session of
    its own (setsid, a daemon) has left that group and cannot be found without privileges, so
    docs/local-state.md must not promise that *anything* left running is ended."""
    docs = (Path(__file__).parent.parent / "docs" / "local-state.md").read_text(encoding="utf-8")
    text = " ".join(docs.split())
    assert "anything the command leaves running is ended" not in text
    assert "whatever it leaves running" not in text
    assert "process group" in text and "setsid" in text
