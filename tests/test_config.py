"""config.toml: profiles, the built-in sandbox, every validation message, and secret sources."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from fpconsole.config import (
    BUILTIN_SANDBOX_AUTH_ID,
    BUILTIN_SANDBOX_SECRET,
    ConfigError,
    Profile,
    SecretError,
    load_config,
)
from fpconsole.config import model as config_module
from fpconsole.locations import config_file

WriteConfig = Callable[[str], Path]

FULL = """\
[profiles.qa]
kind = "test"
base_url = "https://test-api.freedompay.kz/"
auth_id = "123456"
alg = "HS256"
secret_env = "FP_QA_SECRET"
read_only = false
connect_timeout = 3
read_timeout = 12.5
proxy = "http://proxy:3128"
ca_bundle = "~/corp.pem"

[profiles.prod]
kind = "production"
base_url = "https://api.freedompay.kz"
auth_id = 654321
secret_command = "pass show fp/prod"

[profiles.prod-rw]
kind = "production"
base_url = "https://api.freedompay.kz"
auth_id = "654321"
secret_file = "~/.config/fpconsole/prod.secret"
read_only = false

[settings]
default_profile = "qa"
theme = "fpconsole-light"
"""


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    def write(text: str) -> Path:
        path = tmp_path / "config.toml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def error_of(write_config: WriteConfig, text: str) -> ConfigError:
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message  # every message names the file first
    return caught.value


# --- loading ---------------------------------------------------------------------------------


def test_no_file_gives_the_builtin_sandbox(isolated_home: Path) -> None:
    config = load_config()
    assert config.path == config_file() == isolated_home / "config" / "config.toml"
    assert list(config.profiles) == ["sandbox"]
    sandbox = config.profile("sandbox")
    assert sandbox.kind == "sandbox" and sandbox.base_url is None and sandbox.is_embedded_sandbox
    assert sandbox.auth_id == BUILTIN_SANDBOX_AUTH_ID == "100500"
    assert sandbox.resolve_secret() == BUILTIN_SANDBOX_SECRET == "sandbox-secret"
    assert sandbox.host == "embedded sandbox"
    assert config.default_profile is None and config.default_name == "sandbox"
    assert not (isolated_home / "config").exists()  # reading creates nothing


@pytest.fixture
def corp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder holding FULL's `~/corp.pem` (a CA bundle must exist to be accepted)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "corp.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("HOME", str(home))
    return home


def test_full_example_loads(write_config: WriteConfig, corp_home: Path) -> None:
    config = load_config(write_config(FULL))
    assert set(config.profiles) == {"sandbox", "qa", "prod", "prod-rw"}
    assert config.default_profile == "qa" and config.theme == "fpconsole-light"
    qa = config.profile("qa")
    assert qa == Profile(
        name="qa",
        kind="test",
        base_url="https://test-api.freedompay.kz",
        auth_id="123456",
        alg="HS256",
        secret_env="FP_QA_SECRET",
        read_only=False,
        connect_timeout=3.0,
        read_timeout=12.5,
        proxy="http://proxy:3128",
        ca_bundle=str(corp_home / "corp.pem"),
        source=str(config.path),
    )
    assert qa.host == "test-api.freedompay.kz" and not qa.is_embedded_sandbox
    prod = config.profile("prod")
    assert prod.auth_id == "654321"  # a bare number means the same id
    assert prod.read_only is True  # production is read-only unless said otherwise
    assert prod.connect_timeout == 5.0 and prod.read_timeout == 30.0 and prod.alg == "HS512"
    assert config.profile("prod-rw").read_only is False


def test_sandbox_profile_can_be_overridden(write_config: WriteConfig) -> None:
    config = load_config(
        write_config(
            """
            [profiles.sandbox]
            base_url = "http://127.0.0.1:8765"
            read_only = true

            [profiles.local]
            kind = "sandbox"
            """
        )
    )
    sandbox = config.profile("sandbox")
    assert sandbox.kind == "sandbox" and sandbox.read_only and not sandbox.is_embedded_sandbox
    assert sandbox.host == "127.0.0.1:8765"
    assert sandbox.resolve_secret() == BUILTIN_SANDBOX_SECRET and sandbox.auth_id == "100500"
    assert config.profile("local").is_embedded_sandbox


def test_unknown_profile_lists_known_names(write_config: WriteConfig, corp_home: Path) -> None:
    config = load_config(write_config(FULL))
    with pytest.raises(ConfigError) as caught:
        config.profile("qa2")
    message = str(caught.value)
    assert "unknown profile 'qa2'" in message and "did you mean qa?" in message
    assert "known profiles: prod, prod-rw, qa, sandbox" in message and str(config.path) in message


# --- validation messages ---------------------------------------------------------------------

CASES = [
    pytest.param(
        """\
        [profiles.qa]
        kind = "prod"
        """,
        'line 2: profiles.qa.kind = "prod" is not one of sandbox, test, production — use kind = "production"',
        id="bad-kind",
    ),
    pytest.param(
        """\
        [profiles.qa]
        base_url = "https://x.example"
        """,
        'line 1: profiles.qa.kind is missing — add kind = "sandbox", kind = "test" or kind = "production"',
        id="missing-kind",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        auth_id = "1"
        secret_env = "X"
        """,
        'line 1: profiles.qa.base_url is missing — a test profile needs base_url = "https://test-api.freedompay.kz"',
        id="missing-base-url",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "test-api.freedompay.kz"
        """,
        'line 3: profiles.qa.base_url = "test-api.freedompay.kz" is not a valid URL — '
        'use base_url = "https://test-api.freedompay.kz"',
        id="base-url-no-scheme",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "ftp://files.example"
        """,
        'line 3: profiles.qa.base_url = "ftp://files.example" is not a valid URL — '
        "it must start with http:// or https:// and name a host",
        id="base-url-scheme",
    ),
    pytest.param(
        """\
        [profiles.live]
        kind = "production"
        base_url = "http://api.freedompay.kz"
        """,
        'line 3: profiles.live.base_url = "http://api.freedompay.kz" is not https — '
        'use base_url = "https://api.freedompay.kz"',
        id="production-needs-https",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "https://x.example"
        secret_env = "X"
        """,
        "line 1: profiles.qa.auth_id is missing — "
        'a test profile needs auth_id = "<partner id from Freedom Pay>"',
        id="missing-auth-id",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "https://x.example"
        auth_id = "1"
        alg = "hs512"
        """,
        'line 5: profiles.qa.alg = "hs512" is not one of HS512, HS256 — use alg = "HS512"',
        id="alg-case",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "https://x.example"
        auth_id = "1"
        """,
        "line 1: profiles.qa has no secret source — add one of secret_env = ",
        id="no-secret-source",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "https://x.example"
        auth_id = "1"
        secret_env = "A"
        secret_file = "~/a.secret"
        """,
        "line 6: profiles.qa.secret_file conflicts with secret_env: a profile takes exactly one secret "
        "source — keep one of secret_env, secret_file",
        id="two-secret-sources",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "sandbox"
        secret_evn = "A"
        """,
        "line 3: profiles.qa.secret_evn is not a known key — did you mean secret_env?",
        id="typo",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "sandbox"
        colour = "red"
        """,
        "line 3: profiles.qa.colour is not a known key — known keys: kind, base_url,",
        id="unknown-key",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "sandbox"
        read_only = "no"
        """,
        'line 3: profiles.qa.read_only = "no" must be true or false (no quotes) — use read_only = false',
        id="read-only-string",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "sandbox"

        connect_timeout = -1
        """,
        "line 4: profiles.qa.connect_timeout = -1 must be a positive number of seconds (below 3600) — "
        "e.g. connect_timeout = 5.0",
        id="negative-timeout",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "sandbox"
        read_timeout = "30"
        """,
        'line 3: profiles.qa.read_timeout = "30" must be a positive number of seconds',
        id="string-timeout",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "sandbox"
        proxy = "proxy:3128"
        """,
        'line 3: profiles.qa.proxy = "proxy:3128" is not a valid URL',
        id="proxy",
    ),
    pytest.param(
        """\
        [settings]
        default_profile = "qa"
        """,
        'line 2: settings.default_profile = "qa" is not a defined profile — use one of sandbox',
        id="default-profile-unknown",
    ),
    pytest.param(
        """\
        [settings]
        themes = "x"
        """,
        "line 2: settings.themes is not a known key — did you mean theme?",
        id="settings-typo",
    ),
    pytest.param(
        """\
        # my profiles
        [profile.qa]
        kind = "test"
        """,
        "line 2: profile is not a known key — did you mean profiles?",
        id="top-level-typo",
    ),
    pytest.param(
        """\
        [profiles."my qa"]
        kind = "sandbox"
        """,
        "line 1: profiles.my qa has a name that cannot be typed on a command line — use letters, digits",
        id="profile-name",
    ),
    pytest.param(
        """\
        [profiles]
        qa = { kind = "sandbox", alg = "HS384" }
        """,
        'line 2: profiles.qa.alg = "HS384" is not one of HS512, HS256 — use alg = "HS512" (default)',
        id="inline-table",
    ),
    pytest.param(
        """\
        profiles.qa.kind = "sandbox"
        profiles.qa.read_timeout = 0
        """,
        "line 2: profiles.qa.read_timeout = 0 must be a positive number of seconds",
        id="dotted-keys",
    ),
    pytest.param(
        """\
        profiles = 3
        """,
        "line 1: profiles must be a table — write each profile as [profiles.NAME]",
        id="profiles-not-a-table",
    ),
    pytest.param(
        """\
        settings = "dark"
        """,
        "line 1: settings must be a table — write it as [settings]",
        id="settings-not-a-table",
    ),
    pytest.param(
        """\
        [profiles]
        qa = "test"
        """,
        "line 2: profiles.qa must be a table — write it as [profiles.qa] followed by its keys",
        id="profile-not-a-table",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "https://x.example"
        auth_id = true
        """,
        'line 4: profiles.qa.auth_id = true is not a partner id — use auth_id = "123456"',
        id="auth-id-type",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = 8080
        """,
        "line 3: profiles.qa.base_url = 8080 must be a URL — e.g. base_url = ",
        id="base-url-type",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "https://x.example"
        auth_id = "1"
        secret_command = ["pass", "show"]
        """,
        'line 5: profiles.qa.secret_command must be a command line — e.g. secret_command = "pass show fp/qa"',
        id="secret-command-type",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "https://x.example"
        auth_id = "1"
        secret_command = "pass show 'fp/qa"
        """,
        "line 5: profiles.qa.secret_command cannot be parsed (No closing quotation) — check its quotes",
        id="secret-command-quotes",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "test"
        base_url = "https://x.example"
        auth_id = "1"
        secret_file = ""
        """,
        "line 5: profiles.qa.secret_file must be a file path — e.g. secret_file = ",
        id="secret-file-empty",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "sandbox"
        ca_bundle = "/no/such/corp.pem"
        """,
        'line 3: profiles.qa.ca_bundle = "/no/such/corp.pem": /no/such/corp.pem does not exist — '
        "give the path of a PEM file of CA certificates",
        id="ca-bundle-missing",
    ),
    pytest.param(
        """\
        [profiles.qa]
        kind = "sandbox"
        ca_bundle = 3
        """,
        'line 3: profiles.qa.ca_bundle = 3 must be a non-empty string — e.g. ca_bundle = "..."',
        id="ca-bundle-type",
    ),
    pytest.param(
        """\
        [settings]
        theme = ""
        """,
        'line 2: settings.theme = "" must be a non-empty string',
        id="theme-empty",
    ),
    pytest.param(
        """\
        [profiles.qa-kz]
        kind = "sandbox"

        [settings]
        default_profile = "qa_kz"
        """,
        'line 5: settings.default_profile = "qa_kz" is not a defined profile — use default_profile = "qa-kz"',
        id="default-profile-typo",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_every_error_names_file_line_field_and_fix(
    write_config: WriteConfig, text: str, expected: str
) -> None:
    error = error_of(write_config, text)
    assert expected in str(error), str(error)
    assert error.line is not None and error.field is not None and error.file is not None


def test_syntax_errors_keep_line_and_column(write_config: WriteConfig) -> None:
    error = error_of(
        write_config,
        """\
        [profiles.qa]
        kind = test
        """,
    )
    message = str(error)
    assert "line 2, column 8: invalid TOML near `kind`" in message, message
    assert "fix the syntax there" in message and error.line == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '[profiles.qa]\nkind = "sandbox"\nsecret_env = "FP_Q',
            "line 3: invalid TOML near `secret_env`: Unterminated string — close the string with a double "
            "quote on the same line",
            id="unclosed-string-at-the-end",  # tomllib says only "at end of document"
        ),
        pytest.param(
            '[profiles.qa]\nsecret_env = "FP_QA\nkind = "test"\n',
            "line 2, column 20: invalid TOML near `secret_env`: Illegal character '\\n' — close the string",
            id="unclosed-string",
        ),
        pytest.param(
            '[profiles.qa]\nkind = "sandbox"\nkind = "test"\n',
            "line 3, column 14: invalid TOML near `kind`: Cannot overwrite a value — a key or [table] is "
            "written twice; keep one of them",
            id="duplicate-key",
        ),
        pytest.param(
            '[profiles.qa]\nkind = "sandbox"\n[profiles.qa]\n',
            "line 3, column 13: invalid TOML near `profiles.qa`: Cannot declare ('profiles', 'qa') twice",
            id="duplicate-table",
        ),
        pytest.param(
            '[profiles.qa\nkind = "test"\n',
            "line 1, column 13: invalid TOML near `profiles.qa`: Expected ']' at the end of a table "
            "declaration — close the table name with ], e.g. [profiles.qa]",
            id="unclosed-table",
        ),
    ],
)
def test_every_syntax_error_has_a_line_and_a_hint(
    write_config: WriteConfig, text: str, expected: str
) -> None:
    path = write_config("")
    path.write_text(text, encoding="utf-8")  # as is: dedent would strip a missing final newline
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"{path}, {expected}" in str(caught.value), str(caught.value)
    assert caught.value.line is not None and caught.value.field is not None


def test_a_pasted_secret_is_refused_and_never_echoed(write_config: WriteConfig) -> None:
    error = error_of(
        write_config,
        """\
        [profiles.qa]
        kind = "test"
        base_url = "https://x.example"
        auth_id = "1"
        secret = "hunter2-partner-key"
        """,
    )
    message = str(error)
    assert (
        "line 5: profiles.qa.secret looks like a secret, and secrets are never stored in config.toml"
        in message
    )
    assert "secret_env" in message and "secret_command" in message and "secret_file" in message
    assert "hunter2" not in message


def test_secret_pasted_into_secret_env_is_not_echoed(write_config: WriteConfig) -> None:
    error = error_of(
        write_config,
        """\
        [profiles.qa]
        kind = "sandbox"
        secret_env = "s3cr3t value!"
        """,
    )
    assert "line 3: profiles.qa.secret_env must be the NAME of an environment variable" in str(error)
    assert "s3cr3t" not in str(error)


def test_syntax_error_on_a_secret_line_does_not_echo_it(write_config: WriteConfig) -> None:
    error = error_of(write_config, '[profiles.qa]\nsecret_env = "A" "topsecretvalue"\n')
    assert "topsecretvalue" not in str(error) and "line 2" in str(error)


FULL_SANDBOX = '[profiles.qa]\nkind = "sandbox"\n'


def test_socks_proxy_needs_socksio(write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    text = '[profiles.qa]\nkind = "sandbox"\nproxy = "socks5://127.0.0.1:1080"\n'
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "socksio" else real_find_spec(name)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    error = error_of(write_config, text)
    assert 'line 3: profiles.qa.proxy = "socks5://127.0.0.1:1080" needs SOCKS support' in str(error)
    assert "pip install 'httpx[socks]'" in str(error) and error.field == "profiles.qa.proxy"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: object())
    assert load_config(write_config(text)).profile("qa").proxy == "socks5://127.0.0.1:1080"


def test_ca_bundle_becomes_an_ssl_context(write_config: WriteConfig, tmp_path: Path) -> None:
    import shutil
    import ssl

    import certifi

    assert load_config(write_config(FULL_SANDBOX)).profile("qa").tls_verify() is True
    bundle = tmp_path / "corp.pem"
    shutil.copy(certifi.where(), bundle)
    profile = load_config(write_config(FULL_SANDBOX + f'ca_bundle = "{bundle}"\n')).profile("qa")
    context = profile.tls_verify()
    assert isinstance(context, ssl.SSLContext) and context.cert_store_stats()["x509_ca"] > 10
    bundle.write_text("not a certificate\n")
    with pytest.raises(ConfigError) as caught:
        profile.tls_verify()
    message = str(caught.value)
    assert message.startswith(f'{profile.source}, line 3: profiles.qa.ca_bundle = "{bundle}": cannot load')
    assert "give a PEM file" in message and caught.value.line == 3


# httpx 0.28 deprecates a path for verify=; the session must not be the one passing it.
@pytest.mark.filterwarnings("error:`verify=<str>` is deprecated:DeprecationWarning")
def test_the_client_gets_timeouts_proxy_ca_bundle_and_read_only(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile's connection settings reach the HTTP client, not only the parsed config."""
    import ssl

    import certifi

    from fpconsole.session import open_session

    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text(
        textwrap.dedent(
            f"""\
            [profiles.qa]
            kind = "test"
            base_url = "https://test-api.freedompay.kz"
            auth_id = "123456"
            secret_env = "FP_QA_SECRET"
            read_only = true
            connect_timeout = 2.5
            read_timeout = 7
            proxy = "http://proxy.example:3128"
            ca_bundle = "{certifi.where()}"
            """
        )
    )
    monkeypatch.setenv("FP_QA_SECRET", "wired-secret")
    session = open_session(profile_name="qa", journal=False)
    try:
        options = session.client.options
        assert (options.connect_timeout, options.read_timeout) == (2.5, 7.0)
        assert options.proxy == "http://proxy.example:3128"
        # The context Profile.tls_verify() builds, never the path (deprecated by httpx 0.28).
        assert isinstance(options.verify, ssl.SSLContext)
        assert options.verify.cert_store_stats()["x509_ca"] > 10
        timeout = session.client._http.timeout
        assert (timeout.connect, timeout.read) == (2.5, 7.0)
        assert session.read_only and session.kind == "test"
    finally:
        import asyncio

        asyncio.run(session.aclose())


def test_a_ca_bundle_without_certificates_is_a_setup_error_naming_the_line(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not an SSL traceback at the first request: the session is refused with the file and line."""
    from fpconsole import cli
    from fpconsole.session import SetupError, open_session

    bundle = isolated_home / "corp.pem"
    bundle.write_text("not a certificate\n")
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text(
        "[profiles.qa]\n"
        'kind = "test"\n'
        'base_url = "https://test-api.freedompay.kz"\n'
        'auth_id = "123456"\n'
        'secret_env = "FP_QA_SECRET"\n'
        f'ca_bundle = "{bundle}"\n'
    )
    monkeypatch.setenv("FP_QA_SECRET", "wired-secret")
    with pytest.raises(SetupError) as caught:
        open_session(profile_name="qa", journal=False)
    assert str(caught.value).startswith(f'{path}, line 6: profiles.qa.ca_bundle = "{bundle}": cannot load')
    assert cli.main(["--profile", "qa", "call", "card.info", "card_id=7001234"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fpconsole call: {path}, line 6: profiles.qa.ca_bundle") and "PEM" in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert "wired-secret" not in err


# --- secrets ---------------------------------------------------------------------------------


def profile_with(write_config: WriteConfig, source: str) -> Profile:
    path = write_config(
        f"""\
        [profiles.qa]
        kind = "test"
        base_url = "https://test-api.freedompay.kz"
        auth_id = "123456"
        {source}
        """
    )
    return load_config(path).profile("qa")


def test_secret_from_env(write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = profile_with(write_config, 'secret_env = "FP_TEST_SECRET"')
    monkeypatch.setenv("FP_TEST_SECRET", "from-env")
    assert profile.resolve_secret() == "from-env"
    monkeypatch.delenv("FP_TEST_SECRET")
    with pytest.raises(SecretError, match="profile qa: the environment variable FP_TEST_SECRET is not set"):
        profile.resolve_secret()


def test_secret_from_file_needs_0600(write_config: WriteConfig, tmp_path: Path) -> None:
    secret = tmp_path / "qa.secret"
    secret.write_text("from-file\n")
    secret.chmod(0o600)
    profile = profile_with(write_config, f'secret_file = "{secret}"')
    assert profile.resolve_secret() == "from-file"
    secret.chmod(0o400)
    assert profile.resolve_secret() == "from-file"
    secret.chmod(0o640)
    with pytest.raises(ConfigError) as caught:
        profile.resolve_secret()
    message = str(caught.value)
    assert f'line 5: profiles.qa.secret_file = "{secret}"' in message
    assert "mode 0640" in message and f"chmod 600 {secret}" in message
    assert "from-file" not in message


def test_secret_file_tilde_and_missing(
    write_config: WriteConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    profile = profile_with(write_config, 'secret_file = "~/fp/qa.secret"')
    with pytest.raises(ConfigError, match="the file does not exist") as caught:
        profile.resolve_secret()
    assert f"chmod 600 {tmp_path / 'fp' / 'qa.secret'}" in str(caught.value)
    (tmp_path / "fp").mkdir()
    target = tmp_path / "fp" / "qa.secret"
    target.write_text("tilde-secret")
    target.chmod(0o600)
    assert profile.resolve_secret() == "tilde-secret"


def _py(code: str) -> str:
    import shlex

    return shlex.join([sys.executable, "-c", code])


def test_secret_from_command(write_config: WriteConfig) -> None:
    command = _py("print('  from-command  ')")
    profile = profile_with(write_config, f"secret_command = '''{command}'''")
    assert profile.resolve_secret() == "from-command"


def test_secret_command_runs_without_a_shell(write_config: WriteConfig) -> None:
    command = _py("import sys; print(sys.argv[1])") + " '$HOME;true'"
    profile = profile_with(write_config, f"secret_command = '''{command}'''")
    assert profile.resolve_secret() == "$HOME;true"


def _script(tmp_path: Path, code: str) -> str:
    """A command whose text does not contain what it prints (so a leak is detectable)."""
    import shlex

    script = tmp_path / "fake-pass.py"
    script.write_text(textwrap.dedent(code))
    return shlex.join([sys.executable, str(script)])


def test_failing_secret_command_never_shows_its_output(write_config: WriteConfig, tmp_path: Path) -> None:
    command = _script(
        tmp_path,
        """
        import sys
        print("LEAKED-" + "STDOUT-VALUE")
        sys.stderr.write("gpg: decryption failed\\n")
        sys.exit(3)
        """,
    )
    profile = profile_with(write_config, f"secret_command = '''{command}'''")
    with pytest.raises(SecretError) as caught:
        profile.resolve_secret()
    message = str(caught.value)
    assert message.startswith(f"profile qa: secret_command `{command}`")
    assert "exited with status 3" in message and "gpg: decryption failed" in message
    assert "LEAKED" not in message


def test_stderr_echoing_stdout_is_not_shown(write_config: WriteConfig, tmp_path: Path) -> None:
    command = _script(
        tmp_path,
        """
        import sys
        value = "ECHOED-" + "SECRET"
        print(value)
        sys.stderr.write("bad: " + value + "\\n")
        sys.exit(1)
        """,
    )
    profile = profile_with(write_config, f"secret_command = '''{command}'''")
    with pytest.raises(SecretError) as caught:
        profile.resolve_secret()
    assert "ECHOED" not in str(caught.value) and "status 1" in str(caught.value)


def test_secret_command_not_found_empty_and_timeout(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = profile_with(write_config, 'secret_command = "no-such-tool-fpconsole get qa"')
    with pytest.raises(SecretError, match=r"profile qa: .*no-such-tool-fpconsole was not found"):
        missing.resolve_secret()
    empty = profile_with(write_config, f"secret_command = '''{_py('pass')}'''")
    with pytest.raises(SecretError, match="printed nothing"):
        empty.resolve_secret()
    monkeypatch.setattr(config_module, "SECRET_COMMAND_TIMEOUT", 0.3)
    slow = profile_with(write_config, f"secret_command = '''{_py('import time; time.sleep(5)')}'''")
    with pytest.raises(SecretError, match=r"did not finish within 0\.3 s"):
        slow.resolve_secret()


def test_fpconsole_config_naming_a_folder_says_so_and_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FPCONSOLE_CONFIG", str(tmp_path))
    with pytest.raises(ConfigError) as raised:
        load_config()
    message = str(raised.value)
    assert f"FPCONSOLE_CONFIG={tmp_path} is a folder, not a file" in message
    assert "permissions" not in message


def test_unreadable_or_non_utf8_config_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "config.toml"
    folder.mkdir()  # unreadable for root too: a directory where the file should be
    with pytest.raises(ConfigError, match=r"config\.toml: is a folder, not a file — ") as raised:
        load_config(folder)
    assert "permissions" not in str(raised.value)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[settings]\ntheme = "caf\xe9"\n')
    with pytest.raises(
        ConfigError, match=r"latin\.toml, line 2: the file is not UTF-8 text — save it as UTF-8"
    ):
        load_config(latin)


# --- the console on a broken config ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "argv", "expected"),
    [
        ("[profiles.qa\n", [], "line 1, column 13: invalid TOML near `profiles.qa`"),
        ('[profiles.qa]\nkind = "staging"\n', [], 'line 2: profiles.qa.kind = "staging" is not one of'),
        ('[profiles.qa]\nkind = "test"\n', [], "line 1: profiles.qa.base_url is missing"),
        ("", ["--profile", "qa"], "unknown profile 'qa'"),
    ],
)
def test_the_console_does_not_start_on_a_broken_config(
    isolated_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    argv: list[str],
    expected: str,
) -> None:
    from fpconsole import cli

    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text(text)
    # Were the config accepted, the console would be built: make that fail the test loudly.
    monkeypatch.setitem(sys.modules, "fpconsole.tui.app", None)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fpconsole: {path}") and expected in err, err
    # A line per problem, each naming the file (a test profile missing base_url also misses
    # auth_id and a secret source); no traceback.
    assert all(
        line.startswith(f"fpconsole: {path}") or line.startswith(f"{path}") for line in err.splitlines()
    )
