"""The configuration reference, from the code's own metadata: every variable the
settings classes read (their fields' names, defaults and descriptions) and every
`${VAR}` the Compose files fill in.

docs/dev/configuration.md renders its table of variables with this through cog
(`uv run cog -r docs/dev/configuration.md`; `tox -e docs` runs `cog --check`),
and tests/docs checks .env.example against it. A variable only Compose reads has
no settings class, so its meaning is written in COMPOSE_ONLY below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings
from stack_backend.settings import ApiSettings
from stack_db.database_settings import DatabaseSettings
from stack_worker.monitor import MonitorSettings
from stack_worker.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILES = tuple(
    ROOT / name
    for name in (
        "compose.yaml",
        "compose.ports.yaml",
        "compose.secrets.yaml",
        "compose.dev.yaml",
        "compose.debug.yaml",
    )
)
ENV_EXAMPLE = ROOT / ".env.example"
NO_DEFAULT = "—"

# The settings classes each Python service loads; the table lists their fields in
# this order, each once.
SERVICES: dict[str, tuple[type[BaseSettings], ...]] = {
    "backend": (DatabaseSettings, ApiSettings),
    "celery_worker": (DatabaseSettings, WorkerSettings),
    "db-init": (DatabaseSettings,),
    "flower": (MonitorSettings,),
}

# What each variable means that only Compose reads (no settings class has it).
COMPOSE_ONLY = {
    "API_HOST_PORT": "Host port of the API, on 127.0.0.1.",
    "FRONTEND_HOST_PORT": "Host port of the frontend, on 127.0.0.1.",
    "POSTGRES_HOST_PORT": "Host port of Postgres on 127.0.0.1, only with `compose.ports.yaml`.",
    "REDIS_HOST_PORT": "Host port of Redis on 127.0.0.1, only with `compose.ports.yaml`.",
    "ENV_FILE": "The env file the Python services get. Compose fills in `db`, `redis` and the "
    "ports from `.env` or `--env-file`, so to use another file give both: "
    "`ENV_FILE=other.env docker compose --env-file other.env up --wait`.",
    "STACK_IMAGE_TAG": "Tag of the images `stack-app`, `stack-db`, `stack-redis` and "
    "`stack-frontend`.",
    "BASE_IMAGE": "The image every Dockerfile starts `FROM` (a build argument); "
    "`scripts/doctor` checks that it exists.",
    "BUILD_CA_BUNDLE": "CA bundle handed to image builds as the BuildKit secret `ca`, for "
    "HTTPS behind a TLS-intercepting proxy (see "
    "[troubleshooting](troubleshooting.md#a-tls-intercepting-proxy)); `/dev/null` means no "
    "extra CA. Host-specific, so `.env.example` shows it commented out: `just up`, `just dev` "
    "and `just build` add it to `.env`, set to the bundle `scripts/ca-bundle` finds, when the "
    "host has one and `.env` does not set it, so that plain `docker compose` builds get it "
    "too. A value in the shell wins over `.env`'s; an empty one in `.env` gives no extra CA.",
    "FLOWER_HOST_PORT": "Host port of Flower, on 127.0.0.1, with the `monitoring` profile.",
    "PROMETHEUS_HOST_PORT": "Host port of Prometheus' UI, on 127.0.0.1, with the `monitoring` "
    "profile.",
    "DEBUG_API_HOST_PORT": "Host port, on 127.0.0.1, where the API's debugger (debugpy) "
    "listens; only with `just debug` (`compose.debug.yaml`).",
    "DEBUG_WORKER_HOST_PORT": "Host port, on 127.0.0.1, where the worker's debugger (debugpy) "
    "listens; only with `just debug` (`compose.debug.yaml`).",
    "SOURCE_DATE_EPOCH": "The time, in seconds since 1970, that every file the image builds "
    "write gets, and the images' creation time (a build argument): `just up`, `just build` "
    "and `just dev` set it to the commit time of the images' recipes (`scripts/build-env`); "
    "unset, 0. See [reproducibility](reproducibility.md).",
    "STACK_REVISION": "The images' label `org.opencontainers.image.revision`: the commit they "
    "are built from, set by `just` (`scripts/build-env`); `just provenance` compares it.",
    "STACK_BASE_IMAGE_ID": "The images' label `stack.base.id`: the id of `BASE_IMAGE`, set by "
    "`just` (`scripts/build-env`).",
    "STACK_DEBIAN_LOCK_SHA256": "The images' label `stack.debian-lock.sha256`: the hash of the "
    "Debian locks, set by `just` (`scripts/build-env`).",
    "STACK_UV_LOCK_SHA256": "The images' label `stack.uv-lock.sha256`: the hash of `uv.lock`, "
    "set by `just` (`scripts/build-env`).",
    "POSTGRES_APP_USER": "The application role, which the API and the worker log in as (Compose "
    "hands it to them as `POSTGRES_USER`): it reads and writes the rows of the owner's tables "
    "and cannot create, alter or drop any. `db` creates it when it initialises an empty "
    "volume, or once on a volume made before the role existed.",
    "POSTGRES_APP_PASSWORD": "Password of the application role (handed to the API and the "
    "worker as `POSTGRES_PASSWORD`, so a placeholder is refused in production). `db` sets it "
    "when it creates the role. Empty means from a "
    "[secret file](#secrets-as-files).",
    "POSTGRES_APP_STATEMENT_TIMEOUT": "The application role's `statement_timeout` (a Postgres "
    "duration: `30s`, `2min`): a longer statement is cancelled. Set on the role when `db` "
    "creates it.",
    "POSTGRES_APP_PASSWORD_SECRET_FILE": "Host file with the application role's password, only "
    "with `compose.secrets.yaml`.",
    "REDIS_API_PASSWORD": "Password of the API's Redis user `stack-api` (handed to the API as "
    "`REDIS_PASSWORD`, so a placeholder is refused in production). No spaces. Empty means "
    "from a [secret file](#secrets-as-files).",
    "REDIS_WORKER_PASSWORD": "Password of the worker's Redis user `stack-worker` (handed to "
    "the worker as `REDIS_PASSWORD`). No spaces. Empty means from a "
    "[secret file](#secrets-as-files).",
    "API_TOKEN_SECRET_FILE": "Host file with the API's bearer token, only with "
    "`compose.secrets.yaml`.",
    "REDIS_API_PASSWORD_SECRET_FILE": "Host file with the API's Redis password, only with "
    "`compose.secrets.yaml`.",
    "REDIS_WORKER_PASSWORD_SECRET_FILE": "Host file with the worker's Redis password, only with "
    "`compose.secrets.yaml`.",
    "REDIS_MAXMEMORY": "Memory Redis may hold (`128mb`, `1gb`, ...), below its container's "
    "256 MiB limit. Past it Redis refuses writes (`noeviction`) and the API answers 503 to a "
    "new task; see [resource limits](running.md#read-only-containers-and-resource-limits).",
    "POSTGRES_PASSWORD_SECRET_FILE": "Host file with the Postgres password, only with "
    "`compose.secrets.yaml`.",
    "REDIS_PASSWORD_SECRET_FILE": "Host file with the Redis password, only with "
    "`compose.secrets.yaml`.",
}

# Compose-only variables .env.example leaves out: they belong to an optional Compose
# file, name the env file itself, choose which images to build, or describe the
# checkout the images are built from (scripts/build-env sets those).
LEFT_OUT_OF_ENV_EXAMPLE = {
    "SOURCE_DATE_EPOCH",
    "STACK_REVISION",
    "STACK_BASE_IMAGE_ID",
    "STACK_DEBIAN_LOCK_SHA256",
    "STACK_UV_LOCK_SHA256",
    "POSTGRES_HOST_PORT",
    "REDIS_HOST_PORT",
    "DEBUG_API_HOST_PORT",
    "DEBUG_WORKER_HOST_PORT",
    "POSTGRES_PASSWORD_SECRET_FILE",
    "POSTGRES_APP_PASSWORD_SECRET_FILE",
    "REDIS_PASSWORD_SECRET_FILE",
    "REDIS_API_PASSWORD_SECRET_FILE",
    "API_TOKEN_SECRET_FILE",
    "REDIS_WORKER_PASSWORD_SECRET_FILE",
    "ENV_FILE",
    "STACK_IMAGE_TAG",
    "BASE_IMAGE",
}

# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`;
# `$${` is a literal `${`.
_COMPOSE_USE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
# `NAME=value`, or `# NAME=value` for an optional variable shown commented out.
_ENV_EXAMPLE_LINE = re.compile(r"^[ \t]*(?:#[ \t]*)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


# The settings classes that read one variable, each with its field.
Fields = list[tuple[type[BaseSettings], FieldInfo]]


class ConfigurationDrift(ValueError):
    """The settings classes, the Compose files and COMPOSE_ONLY disagree."""


@dataclass(frozen=True)
class Variable:
    """A row of the table."""

    name: str
    default: str
    required: str
    read_by: tuple[str, ...]
    meaning: str


@dataclass
class ComposeUse:
    """How the Compose files use one variable."""

    services: list[str] = field(default_factory=list)  # whose `environment:` it fills
    defaults: set[str] = field(default_factory=set)
    required: bool = False


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        node = node.values()
    if isinstance(node, str):
        yield node
    elif isinstance(node, Iterable):
        for item in node:
            yield from _strings(item)


def compose_uses(files: Iterable[Path] = COMPOSE_FILES) -> dict[str, ComposeUse]:
    uses: dict[str, ComposeUse] = {}

    def record(texts: Iterable[str], service: str | None = None) -> None:
        for text in texts:
            for name, operator, argument in _COMPOSE_USE.findall(text):
                use = uses.setdefault(name, ComposeUse())
                if service and service not in use.services:
                    use.services.append(service)
                if operator.endswith("-"):
                    use.defaults.add(argument)
                use.required |= operator.endswith("?")

    for path in files:
        document = yaml.safe_load(path.read_text()) or {}
        record(_strings(document))
        for service, definition in (document.get("services") or {}).items():
            record(_strings((definition or {}).get("environment")), service)
    return uses


def settings_fields() -> dict[str, Fields]:
    """Variable name -> the settings classes that read it, each with its field."""
    fields: dict[str, Fields] = {}
    for cls in dict.fromkeys(cls for classes in SERVICES.values() for cls in classes):
        for name, info in cls.model_fields.items():
            fields.setdefault(name.upper(), []).append((cls, info))
    return fields


def _default(info: FieldInfo) -> str:
    """A default as the table writes it: `5` for 5.0, an enum's value, `—` for none."""
    if info.is_required():
        return NO_DEFAULT
    value = info.get_default(call_default_factory=True)
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return NO_DEFAULT if value is None else str(value)


def _required(use: ComposeUse | None, default: str) -> str:
    """Whether Compose refuses to start without the variable (`${NAME?...}`), and if so
    whether the services would have had a default."""
    if use is None or not use.required:
        return "no"
    return "yes" if default == NO_DEFAULT else "yes, for compose"


def _setting(name: str, fields: Fields, use: ComposeUse | None, problems: list[str]) -> Variable:
    owners = ", ".join(cls.__name__ for cls, _ in fields)
    undescribed = [cls.__name__ for cls, info in fields if not info.description]
    defaults = {_default(info) for _, info in fields}
    if undescribed:
        problems.append(f"{name}: give it Field(description=...) in {', '.join(undescribed)}")
    elif len({info.description for _, info in fields}) > 1:
        problems.append(f"{name}: {owners} describe it differently; make them agree")
    if len(defaults) > 1:
        problems.append(f"{name}: {owners} default to {sorted(defaults)}; make them agree")
    default = _default(fields[0][1])
    if use and use.defaults - {default}:
        problems.append(f"{name}: Compose's default {sorted(use.defaults)} is not `{default}`")
    classes = {cls for cls, _ in fields}
    services = [service for service, reads in SERVICES.items() if classes & set(reads)]
    return Variable(
        name,
        default,
        "yes" if any(info.is_required() for _, info in fields) else _required(use, default),
        (*services, *use.services, "compose") if use else tuple(services),
        fields[0][1].description or "",
    )


def _compose_only(
    name: str, meaning: str, use: ComposeUse | None, problems: list[str]
) -> Variable | None:
    if use is None:
        problems.append(f"{name}: no Compose file uses it; remove it from COMPOSE_ONLY")
        return None
    if len(use.defaults) > 1:
        problems.append(f"{name}: the Compose files default to {sorted(use.defaults)}; pick one")
    default = min(use.defaults, default=NO_DEFAULT)
    return Variable(name, default, _required(use, default), (*use.services, "compose"), meaning)


def variables(
    compose_files: Iterable[Path] = COMPOSE_FILES, compose_only: dict[str, str] = COMPOSE_ONLY
) -> list[Variable]:
    """Every variable: the settings' fields, then Compose's own. Raises ConfigurationDrift
    naming every disagreement between the settings classes, Compose and COMPOSE_ONLY."""
    uses = compose_uses(compose_files)
    settings = settings_fields()
    problems: list[str] = []
    found = [_setting(name, fields, uses.get(name), problems) for name, fields in settings.items()]
    for name, meaning in compose_only.items():
        if name in settings:
            problems.append(f"{name}: a settings class describes it; remove it from COMPOSE_ONLY")
        elif variable := _compose_only(name, meaning, uses.get(name), problems):
            found.append(variable)
    problems += [
        f"{name}: the Compose files use it; add what it means to COMPOSE_ONLY in "
        "scripts/config_reference.py"
        for name in uses.keys() - settings.keys() - compose_only.keys()
    ]
    if problems:
        raise ConfigurationDrift("\n".join(sorted(problems)))
    return found


def markdown_table() -> str:
    lines = [
        "| Variable | Default | Required | Read by | Meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for variable in variables():
        default = NO_DEFAULT if variable.default == NO_DEFAULT else f"`{variable.default}`"
        meaning = variable.meaning.replace("|", "\\|")
        cells = (f"`{variable.name}`", default, variable.required, ", ".join(variable.read_by))
        lines.append(f"| {' | '.join(cells)} | {meaning} |")
    return "\n".join(lines) + "\n"


def env_example_problems(path: Path = ENV_EXAMPLE) -> list[str]:
    """What .env.example lacks or has too many: it lists every variable a person may
    set, set or commented out, and nothing else."""
    listed = set(_ENV_EXAMPLE_LINE.findall(path.read_text()))
    expected = {variable.name for variable in variables()} - LEFT_OUT_OF_ENV_EXAMPLE
    return [
        *(
            f"{name}: add it to .env.example with a comment (set, or commented out as "
            f"`# {name}=...`)"
            for name in sorted(expected - listed)
        ),
        *(
            f"{name}: .env.example has it, but no settings class or COMPOSE_ONLY entry "
            "(outside LEFT_OUT_OF_ENV_EXAMPLE) does: remove it"
            for name in sorted(listed - expected)
        ),
        *(
            f"{name}: in LEFT_OUT_OF_ENV_EXAMPLE but not in COMPOSE_ONLY; remove it"
            for name in sorted(LEFT_OUT_OF_ENV_EXAMPLE - COMPOSE_ONLY.keys())
        ),
    ]
