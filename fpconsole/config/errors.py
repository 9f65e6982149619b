"""The errors config.toml's checks raise: each names the file, the line and the key, and ends
with the fix."""

from __future__ import annotations

from collections.abc import Sequence

from fpconsole.config.secrets import SecretError


class ConfigError(Exception):
    """config.toml is missing something, has a wrong value, or names an unusable secret file.

    `file`, `line` and `field` are also kept apart so a UI can point at the spot. A file with
    several mistakes raises one ConfigError whose `problems` holds each of them (in the order
    of the file) and whose text is one line per problem; `file`, `line` and `field` are then
    the first one's."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        problems: Sequence[ConfigError] = (),
        warnings: Sequence[ConfigWarning] = (),
    ) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.field = field
        self._problems = tuple(problems)
        # Said with the mistakes, as `warning:` lines: a file that stops every command is
        # when its owner fixes it, so nothing found in it is left for a second round.
        self.warnings = tuple(warnings)

    @property
    def problems(self) -> tuple[ConfigError, ...]:
        """Every mistake found, each with its own file, line and field."""
        return self._problems or (self,)

    @classmethod
    def of(cls, problems: Sequence[ConfigError], warnings: Sequence[ConfigWarning] = ()) -> ConfigError:
        """One error for them all: the only one as it is, or all of them (and the warnings), a
        line each in the order of the file."""
        if len(problems) == 1 and not warnings:
            return problems[0]
        first = problems[0]
        lines = [(problem.line or 0, str(problem)) for problem in problems]
        lines += [(warning.line or 0, f"warning: {warning}") for warning in warnings]
        return cls(
            "\n".join(text for _, text in sorted(lines, key=lambda item: item[0])),
            file=first.file,
            line=first.line,
            field=first.field,
            problems=problems,
            warnings=warnings,
        )


class ConfigWarning(UserWarning):
    """A mistake in config.toml that stops nothing (a theme that does not exist: the console
    starts in its default one). Raised with warnings.warn when the file is loaded, so a command
    prints one `fpconsole: warning:` line and goes on; `file`, `line` and `field` as in
    ConfigError."""

    def __init__(self, message: str, *, file: str | None, line: int | None, field: str | None) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.field = field


class SecretFileError(ConfigError, SecretError):
    """secret_file names something that cannot hold the secret (missing, readable by others,
    not a regular file, too large): a mistake at a line of config.toml, and a secret that could
    not be fetched, so either `except` catches it."""
