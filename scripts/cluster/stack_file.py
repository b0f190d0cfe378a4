"""The Swarm stack file, derived from the Compose files: compose.yaml (the
services, their images, commands, healthchecks, settings and volumes),
compose.secrets.yaml (which service reads which password from a secret file)
and deploy/swarm/swarm.yaml (what a cluster adds), plus deploy/swarm/no-ipvs.yaml
with --no-ipvs.

`docker compose config` merges them and fills in the variables from the env
file; then the few things `docker stack deploy` refuses or would silently
ignore are removed here, each for a reason given in DROPPED. The result is a
Compose file in JSON (which YAML includes): give it to `docker stack deploy -c`,
or read it as YAML with `docker stack config -c`.

    python scripts/cluster/stack_file.py --env-file prod.env --tag 1.4.2 > stack.json
    docker stack config -c stack.json            # the file Swarm reads, as YAML
    docker stack deploy -c stack.json stack      # or: scripts/cluster/deploy.py

Only the standard library: `tox -e lint` runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SWARM = ROOT / "deploy" / "swarm"
COMPOSE_FILES = (
    ROOT / "compose.yaml",
    ROOT / "compose.secrets.yaml",
    SWARM / "swarm.yaml",
)
NO_IPVS = SWARM / "no-ipvs.yaml"
# `docker compose config` names networks, volumes, configs and secrets after
# this project; `docker stack deploy` names them after the stack instead.
PROJECT = "stack"

# Per service: what `docker stack deploy` refuses, or reads and ignores, and
# why leaving it out loses nothing.
DROPPED = {
    "build": "the images are built before, and must already be on every node",
    "develop": "Compose watch, for `just dev` only",
    "depends_on": "Swarm has no order: scripts/cluster/deploy.py deploys in two phases",
    "restart": "ignored by Swarm: deploy.restart_policy (swarm.yaml) says it",
    "security_opt": "ignored by Swarm: each node's engine sets no-new-privileges "
    "(docs/dev/deploy-swarm.md#hardening)",
    "env_file": "already read into `environment` by `docker compose config`",
    # Not lost for nothing: on Swarm the containers' roots stay writable
    # (docs/dev/deploy-swarm.md#hardening).
    "tmpfs": "ignored by `docker stack deploy`",
    "read_only": "without the tmpfs mounts Swarm drops, Postgres and Redis cannot start",
}

# A variable that names a password must not reach a service's environment
# (where `docker service inspect` shows it): passwords are Swarm secrets.
PASSWORD_VARIABLE = re.compile(r"PASSWORD|SECRET|TOKEN", re.IGNORECASE)
URL_WITH_PASSWORD = re.compile(r"://[^/@:]*:[^/@]+@")


class StackFileError(Exception):
    """The Compose files do not make a stack file Swarm should run."""


def compose_config(
    env_file: Path, tag: str, *, no_ipvs: bool, overrides: tuple[Path, ...] = ()
) -> dict[str, Any]:
    """`docker compose config` of the merged files, as JSON. The env file plays
    `.env`'s two parts, as in `just up`: it fills in the Compose files'
    variables, and it is the services' env file (ENV_FILE)."""
    files = [*COMPOSE_FILES, *([NO_IPVS] if no_ipvs else []), *overrides]
    command = ["docker", "compose", "--project-directory", str(ROOT), "-p", PROJECT]
    command += [arg for path in files for arg in ("-f", str(path))]
    command += ["--env-file", str(env_file), "config", "--format", "json"]
    # The shell's value of a variable would win over the env file's.
    env = {**os.environ, "ENV_FILE": str(env_file), "STACK_IMAGE_TAG": tag}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackFileError(f"docker compose config failed:\n{result.stderr.strip()}")
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def without_project_name(definitions: dict[str, Any]) -> dict[str, Any]:
    """Networks, volumes and configs as the stack names them (`<stack>_<key>`):
    the `name` Compose gave them after its project goes. A config from a file
    is named after its content instead: Swarm cannot change a config, so a
    changed file must be a new config."""
    cleaned = {}
    for key, definition in definitions.items():
        definition = dict(definition)
        if definition.get("name") == f"{PROJECT}_{key}":
            del definition["name"]
        if "file" in definition:
            digest = hashlib.sha256(Path(definition["file"]).read_bytes()).hexdigest()
            definition["name"] = f"{PROJECT}_{key}-{digest[:12]}"
        cleaned[key] = definition
    return cleaned


def swarm_service(name: str, service: dict[str, Any]) -> dict[str, Any]:
    # Compose writes `null` for an entrypoint or command the image gives.
    service = {
        key: value for key, value in service.items() if key not in DROPPED and value is not None
    }
    environment = service.get("environment") or {}
    service["environment"] = {
        key: value
        for key, value in environment.items()
        if not (PASSWORD_VARIABLE.search(key) and not key.endswith("_FILE"))
    }
    for key, value in service["environment"].items():
        if isinstance(value, str) and URL_WITH_PASSWORD.search(value):
            raise StackFileError(f"{name}: {key} carries a password; give it as a secret")
    for port in service.get("ports", []):
        if "host_ip" in port:
            raise StackFileError(
                f"{name}: a port bound to {port['host_ip']}: Swarm publishes on every "
                "interface; override `ports` in deploy/swarm/swarm.yaml"
            )
        # Compose writes the published port as a string; the stack file's
        # schema wants a number.
        if "published" in port:
            port["published"] = int(port["published"])
    # The same for CPUs, but the other way round.
    for amounts in service.get("deploy", {}).get("resources", {}).values():
        if "cpus" in amounts:
            amounts["cpus"] = str(amounts["cpus"])
    # Secrets at /run/secrets/<name>, where the images look (Compose writes the
    # absolute path).
    service["secrets"] = [
        {**secret, "target": Path(secret.get("target") or secret["source"]).name}
        for secret in service.get("secrets", [])
    ]
    if not service["secrets"]:
        del service["secrets"]
    return service


def stack_file(
    env_file: Path,
    tag: str,
    *,
    no_ipvs: bool = False,
    overrides: tuple[Path, ...] = (),
    registry: str = "",
) -> dict[str, Any]:
    """The stack file. `overrides`: more Compose files, merged last (a site's
    own choices); `registry`: put before every image's name (`registry.example.com/team`)."""
    config = compose_config(env_file, tag, no_ipvs=no_ipvs, overrides=overrides)
    services = {name: swarm_service(name, s) for name, s in config["services"].items()}
    if registry:
        for service in services.values():
            service["image"] = f"{registry.rstrip('/')}/{service['image']}"
    used_secrets = {s["source"] for svc in services.values() for s in svc.get("secrets", [])}
    secrets = {k: v for k, v in config.get("secrets", {}).items() if k in used_secrets}
    for key, secret in secrets.items():
        if not secret.get("external"):
            raise StackFileError(
                f"secret {key} is read from a file; a stack's secrets are external "
                "(created with `docker secret create`): set it in deploy/swarm/swarm.yaml"
            )
    stack: dict[str, Any] = {"services": services}
    for section in ("networks", "volumes", "configs"):
        if config.get(section):
            stack[section] = without_project_name(config[section])
    if secrets:
        stack["secrets"] = secrets
    return stack


def add_stack_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose the stack file: settings, tag, hosts without
    IPVS, and the site's own overrides and registry (stack_file.py, deploy.py)."""
    parser.add_argument(
        "--env-file",
        type=Path,
        default=ROOT / ".env",
        help="the settings, as in .env (default: .env); passwords in it are left out",
    )
    parser.add_argument(
        "--tag", default="local", help="the images' tag (STACK_IMAGE_TAG; default: local)"
    )
    parser.add_argument(
        "--no-ipvs",
        action="store_true",
        help="add deploy/swarm/no-ipvs.yaml: DNS round robin and ports on the edge node",
    )
    parser.add_argument(
        "--override",
        type=Path,
        action="append",
        default=[],
        help="a Compose file of your own, merged last (repeatable): replicas, an "
        "encrypted network... (docs/dev/deploy-swarm.md)",
    )
    parser.add_argument(
        "--registry",
        default="",
        help="where the nodes pull the images from, put before each image's name "
        "(registry.example.com/team); default: none, the images are on the nodes",
    )


def stack_file_from(args: argparse.Namespace) -> dict[str, Any]:
    """The stack file that the options of `add_stack_options` chose."""
    return stack_file(
        args.env_file.resolve(),
        args.tag,
        no_ipvs=args.no_ipvs,
        overrides=tuple(path.resolve() for path in args.override),
        registry=args.registry,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_options(parser)
    args = parser.parse_args(argv)
    try:
        stack = stack_file_from(args)
    except StackFileError as error:
        sys.exit(f"stack_file: error: {error}")
    json.dump(stack, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
