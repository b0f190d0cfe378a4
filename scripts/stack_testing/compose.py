"""One Compose project of this repository's stack, driven from Python through
python-on-whales (which runs the docker CLI and its Compose plugin, and reads
`docker inspect` into typed objects).

A project has its own name, its own env file (made from .env.example), free
host ports and an image tag of its own (the project name), so it never touches
a developer's `just up` stack or another test run's.
"""

from __future__ import annotations

import os
import secrets
import shlex
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Self

from dotenv import dotenv_values
from python_on_whales import Container, DockerClient, DockerException
from python_on_whales.components.compose.cli_wrapper import ComposeCLI

from stack_testing.host import ROOT, ca_bundle, free_port
from stack_testing.waiting import wait_until

SERVICE_LABEL = "com.docker.compose.service"


def read_env_example() -> dict[str, str]:
    """The variables of .env.example, as Compose reads them."""
    values = dotenv_values(ROOT / ".env.example")
    return {key: value for key, value in values.items() if value is not None}


def fresh_secrets() -> dict[str, str]:
    """A random value for each secret that .env.example gives a placeholder
    (`change-me...`), so that a test stack runs with real ones."""
    return {
        name: secrets.token_urlsafe(24)
        for name, value in read_env_example().items()
        if value.startswith("change-me")
    }


@dataclass(frozen=True)
class Outcome:
    """How a one-off command ended, whatever its exit code."""

    returncode: int
    stdout: str
    stderr: str


class ComposeStack:
    """`docker compose -p PROJECT --env-file ... -f compose.yaml` of this stack.

    Compose reads two env files: the services' settings (`env_file`, the
    stack's `.env`) and the variables compose.yaml itself interpolates
    (ENV_FILE, STACK_IMAGE_TAG, BUILD_CA_BUNDLE)."""

    def __init__(
        self,
        project: str,
        env_file: Path,
        settings: dict[str, str],
        *,
        image_tag: str | None = None,
        files: tuple[str, ...] = ("compose.yaml",),
        profiles: tuple[str, ...] = (),
    ) -> None:
        self.project = project
        self.profiles = profiles
        self.env_file = env_file
        self.settings = dict(settings)
        self.image_tag = image_tag or project
        self.files = files
        self.compose_variables = env_file.with_name(f"{env_file.stem}.compose.env")
        variables = {
            "ENV_FILE": str(env_file),
            "STACK_IMAGE_TAG": self.image_tag,
            "BUILD_CA_BUNDLE": ca_bundle(),
        }
        for name in ("ENV_FILE", "STACK_IMAGE_TAG"):
            # Compose lets the shell's value win over an env file's.
            if os.environ.get(name, variables[name]) != variables[name]:
                raise RuntimeError(f"{name} is set in this shell; unset it: {project} sets its own")
        self.compose_variables.write_text("".join(f"{k}={v}\n" for k, v in variables.items()))
        self.write_env()

    @classmethod
    def from_env_example(
        cls, project: str, folder: Path, *, image_tag: str | None = None, **overrides: str
    ) -> Self:
        """A project whose settings are .env.example's, with fresh secrets, on
        free host ports, with `overrides`."""
        settings = {
            **read_env_example(),
            **fresh_secrets(),
            "API_HOST_PORT": str(free_port()),
            "FRONTEND_HOST_PORT": str(free_port()),
            **overrides,
        }
        return cls(project, folder / f"{project}.env", settings, image_tag=image_tag)

    @contextmanager
    def running(self, keep_variable: str) -> Iterator[Self]:
        """Built and started from nothing (every service healthy) for a test
        session, then removed with its volumes, unless `keep_variable`=1 in
        the environment (then the command that reaches it is printed)."""
        self.remove()
        started = time.monotonic()
        self.up(build=True, wait_timeout=300)
        print(f"\nstack {self.project} built and healthy in {time.monotonic() - started:.1f}s")
        try:
            yield self
        finally:
            if os.environ.get(keep_variable) == "1":
                print(f"\nkept: {self.printable()} ...")
            else:
                self.remove()

    def with_files(self, *files: str) -> Self:
        """The same project, read from other Compose files."""
        return type(self)(
            self.project,
            self.env_file,
            self.settings,
            image_tag=self.image_tag,
            files=files,
            profiles=self.profiles,
        )

    def with_profiles(self, *profiles: str) -> Self:
        """The same project, with these Compose profiles on."""
        return type(self)(
            self.project,
            self.env_file,
            self.settings,
            image_tag=self.image_tag,
            files=self.files,
            profiles=profiles,
        )

    @cached_property
    def docker(self) -> DockerClient:
        return DockerClient(
            compose_files=[ROOT / name for name in self.files],
            compose_env_files=[self.env_file, self.compose_variables],
            compose_project_name=self.project,
            compose_project_directory=ROOT,
            compose_profiles=list(self.profiles),
        )

    @property
    def compose(self) -> ComposeCLI:
        return self.docker.compose

    def command(self, *args: str) -> list[str]:
        """The whole `docker compose ...` command line, for what runs in the
        background (`watch`) or is printed for a person."""
        return [str(part) for part in self.docker.compose.docker_compose_cmd] + list(args)

    def environment(self) -> dict[str, str]:
        """Variables that point a plain `docker compose` (or a just recipe) at
        this project: its name, its Compose files and its env files."""
        return {
            "COMPOSE_PROJECT_NAME": self.project,
            "COMPOSE_FILE": os.pathsep.join(str(ROOT / name) for name in self.files),
            "COMPOSE_ENV_FILES": f"{self.env_file},{self.compose_variables}",
            "COMPOSE_PROFILES": ",".join(self.profiles),
        }

    def printable(self, *args: str) -> str:
        return shlex.join(self.command(*args))

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.settings['API_HOST_PORT']}"

    @property
    def frontend(self) -> str:
        return f"http://127.0.0.1:{self.settings['FRONTEND_HOST_PORT']}"

    def write_env(self, **changes: str) -> None:
        self.settings.update(changes)
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in self.settings.items()))

    # --- the project's life ---------------------------------------------------

    def up(
        self,
        *services: str,
        build: bool = False,
        no_build: bool = False,
        scales: dict[str, int] | None = None,
        wait_timeout: int = 180,
    ) -> None:
        """`up --detach --wait`: returns once every service is healthy (or done)."""
        self.compose.up(
            list(services) or None,
            build=build,
            no_build=no_build,
            detach=True,
            wait=True,
            wait_timeout=wait_timeout,
            scales=scales or {},
            quiet=True,
        )

    def down(self, *, volumes: bool = False, timeout: int | None = None) -> None:
        self.compose.down(volumes=volumes, remove_orphans=True, timeout=timeout, quiet=True)

    def remove(self) -> None:
        """Containers, networks and volumes gone; nothing said if there were none."""
        try:
            self.down(volumes=True, timeout=10)
        except DockerException as error:
            print(f"{self.project}: down failed: {error.stderr}")

    # --- what runs -----------------------------------------------------------

    def containers(self, service: str, *, stopped_too: bool = False) -> list[Container]:
        return self.compose.ps([service], all=stopped_too)

    def services(self) -> dict[str, Container]:
        """Every container of the project (stopped ones too), by service; with
        several of one service, the last."""
        return {c.config.labels[SERVICE_LABEL]: c for c in self.compose.ps(all=True)}

    def health(self) -> dict[str, str]:
        """Each service's health (its status when it has no healthcheck)."""
        states = {name: c.state for name, c in self.services().items()}
        return {n: s.health.status if s.health else s.status for n, s in states.items()}

    def wait_healthy(self, services: Iterable[str], timeout: float) -> float:
        """Seconds until every one of `services` reports healthy."""
        started = time.monotonic()
        names = set(services)
        wait_until(
            self.health,
            until=lambda states: all(states.get(name) == "healthy" for name in names),
            timeout=timeout,
            interval=0.5,
            describe=f"{', '.join(sorted(names))} healthy",
        )
        return time.monotonic() - started

    def exec(self, service: str, *command: str, index: int = 1, check: bool = True) -> str:
        """stdout of a command in a running container; with `check=False`, also
        when it failed."""
        try:
            return self.compose.execute(service, list(command), index=index, tty=False) or ""
        except DockerException as error:
            if check:
                raise
            return error.stdout or ""

    def run_python(self, service: str, script: Path, *args: str) -> str:
        """A Python file of this repository run in the service's (first)
        container with the container's Python. Its source goes on the command
        line: the container's root filesystem is read-only, and `docker cp`
        cannot write into its tmpfs."""
        return self.exec(service, "python", "-c", script.read_text(), *args)

    def run(self, service: str, *command: str, env: dict[str, str]) -> Outcome:
        """A one-off container of `service` with changed variables and no
        dependencies, removed afterwards."""
        try:
            stdout = self.compose.run(
                service, list(command), envs=env, dependencies=False, remove=True, tty=False
            )
        except DockerException as error:
            return Outcome(error.return_code, error.stdout or "", error.stderr or "")
        return Outcome(0, str(stdout), "")

    def psql(self, sql: str) -> str:
        """One statement as the Postgres superuser in the application database;
        its rows, unaligned."""
        script = 'exec psql -d "$POSTGRES_DB" -tAq -v ON_ERROR_STOP=1 -c "$1"'
        return self.exec("db", "bash", "-c", script, "-", sql).strip()

    def config(self) -> dict[str, Any]:
        """The resolved Compose configuration (`config --format json`)."""
        config: dict[str, Any] = self.compose.config(return_json=True)
        return config
