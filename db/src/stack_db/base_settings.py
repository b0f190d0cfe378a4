"""The base of every settings class, and the one way to load settings: the
environment switch, placeholder secrets, and a validation error turned into a
message a person can act on."""

from __future__ import annotations

import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Every placeholder secret in .env.example starts with this, so one rule finds them all.
PLACEHOLDER_PREFIX = "change-me"

# Where Compose mounts secrets: a file per setting, named like the variable in
# lower case (/run/secrets/postgres_password). Read only when it exists.
SECRETS_DIR = Path("/run/secrets")


class AppEnv(StrEnum):
    LOCAL = "local"
    TEST = "test"
    PRODUCTION = "production"


class ConfigurationError(Exception):
    """Settings could not be loaded; the message names each variable and the fix."""


# The log level of a service that has one (the API and the worker).
LogLevel = Annotated[
    str,
    Field(
        pattern=r"(?i)^(debug|info|warning|error|critical)$",
        description="`debug`, `info`, `warning`, `error` or `critical`, in any case. "
        "`db-init` always logs at `info`.",
    ),
]

LogFormat = Annotated[
    Literal["text", "json"],
    Field(
        description="`text`: a line a person reads; `json`: one JSON object per line, for "
        "machines. The same fields in both: time, level, logger, message, and the "
        "`request_id` and `task_id` in effect (docs/dev/observability.md).",
    ),
]


class StackSettings(BaseSettings):
    """Base of every settings class. Sources, first found wins: the environment,
    `.env`, then secret files. An empty variable counts as unset, so that
    `POSTGRES_PASSWORD=` in .env leaves the password to its secret file."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        secrets_dir=SECRETS_DIR if SECRETS_DIR.is_dir() else None,
        extra="ignore",
        validate_default=True,
    )

    app_env: AppEnv = Field(
        default=AppEnv.LOCAL,
        description="`local`, `test` or `production`. In `production` a password that still "
        "starts with `change-me` (the placeholders of `.env.example`) is refused at start-up.",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Self:
        if self.app_env is not AppEnv.PRODUCTION:
            return self
        placeholders = [
            name.upper()
            for name, value in self
            if isinstance(value, SecretStr)
            and value.get_secret_value().startswith(PLACEHOLDER_PREFIX)
        ]
        if placeholders:
            names = ", ".join(sorted(placeholders))
            raise ValueError(
                f"APP_ENV is production but {names} still has the placeholder value from "
                ".env.example; set a real secret"
            )
        return self


_URL_PASSWORD = re.compile(r"(://[^/:@]*:)[^/@]*@")

SettingsT = TypeVar("SettingsT", bound=StackSettings)


def _masked(error: dict[str, Any]) -> object:
    """The rejected value, with any password inside a URL hidden."""
    given = error.get("input")
    return _URL_PASSWORD.sub(r"\1***@", given) if isinstance(given, str) else given


def _describe(error: dict[str, Any]) -> str:
    variable = "_".join(str(part) for part in error["loc"]).upper()
    if error["type"] == "missing":
        return f"{variable} is not set: add it to .env (see .env.example) or the environment"
    if not variable:
        return str(error["msg"]).removeprefix("Value error, ")
    shown = "" if "PASSWORD" in variable or "SECRET" in variable else f" (got {_masked(error)!r})"
    return f"{variable} is invalid{shown}: {error['msg']}"


def load_settings(settings_class: type[SettingsT], **values: Any) -> SettingsT:
    """Build settings, raising ConfigurationError with one line per problem."""
    try:
        return settings_class(**values)
    except ValidationError as exc:
        problems = "\n".join(f"  - {_describe(dict(error))}" for error in exc.errors())
        raise ConfigurationError(
            f"{settings_class.__name__}: invalid configuration\n{problems}"
        ) from None


# Exit status of an entry point whose configuration is invalid: distinct from a
# runtime failure (1), so a supervisor or a test can tell the two apart.
EXIT_CONFIGURATION = 2


def exit_with_configuration_error(program: str, error: ConfigurationError) -> NoReturn:
    print(f"{program}: error: {error}", file=sys.stderr)
    sys.exit(EXIT_CONFIGURATION)


def load_or_exit(program: str, settings_class: type[SettingsT]) -> SettingsT:
    """Settings for an entry point: loaded, or the readable message on stderr
    (`<program>: error: ...`) and exit status 2. Every entry point uses this."""
    try:
        return load_settings(settings_class)
    except ConfigurationError as exc:
        exit_with_configuration_error(program, exc)
