"""Safe by default: no root, no privileges, nothing published that need not
be, and no secret in an image."""

from __future__ import annotations

import json
import subprocess

from harness import LONG_RUNNING, PROJECT, ROOT, Stack, container_ids, free_port, inspect

IMAGES = [f"stack-{name}:{PROJECT}" for name in ("app", "db", "redis", "frontend")]


def test_every_container_runs_unprivileged(stack: Stack) -> None:
    for service in sorted(LONG_RUNNING):
        details = inspect(container_ids(stack, service)[0])
        user = details["Config"]["User"]
        assert user, service
        assert not user.startswith(("0:", "root")), (service, user)
        assert "no-new-privileges:true" in details["HostConfig"]["SecurityOpt"], service
        assert details["HostConfig"]["CapDrop"] == ["ALL"], service
        assert not details["HostConfig"]["Privileged"], service
        assert stack.exec(service, "id", "-u").strip() != "0", service


def test_postgres_and_redis_are_published_only_by_the_opt_in_override(stack: Stack) -> None:
    def published(*files: str) -> dict[str, list[str]]:
        args = [arg for name in files for arg in ("-f", name)]
        config = json.loads(stack.compose(*args, "config", "--format", "json"))
        return {
            name: [port.get("host_ip", "0.0.0.0") for port in service.get("ports", [])]
            for name, service in config["services"].items()
        }

    default = published("compose.yaml")
    assert {name for name, hosts in default.items() if hosts} == {"backend", "frontend"}
    debug = published("compose.yaml", "compose.ports.yaml")
    assert debug["db"] == ["127.0.0.1"]
    assert debug["redis"] == ["127.0.0.1"]
    assert all(host == "127.0.0.1" for hosts in debug.values() for host in hosts)


def test_no_secret_in_any_image_layer_or_metadata(stack: Stack) -> None:
    secrets = [stack.settings["POSTGRES_PASSWORD"], stack.settings["REDIS_PASSWORD"]]
    for image in IMAGES:
        history = subprocess.run(
            ["docker", "history", "--no-trunc", image], capture_output=True, text=True, check=True
        ).stdout
        metadata = subprocess.run(
            ["docker", "image", "inspect", image], capture_output=True, text=True, check=True
        ).stdout
        for secret in secrets:
            assert secret not in history, image
            assert secret not in metadata, image
        assert "ca-certificates.crt" not in metadata, image
    # The CA bundle reached the build as a secret, not as a file in the image.
    assert stack.exec("backend", "bash", "-c", "ls /run/secrets 2>/dev/null | wc -l").strip() == "0"


def test_env_file_is_ignored_by_git() -> None:
    result = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert result.returncode == 0, ".env must be listed in .gitignore"


def test_passwords_can_come_from_secret_files(stack: Stack) -> None:
    """A second stack with compose.secrets.yaml: the passwords exist only as files."""
    folder = stack.env_file.parent / "secret-files"
    folder.mkdir(exist_ok=True)
    for name, key in (
        ("postgres_password", "POSTGRES_PASSWORD"),
        ("redis_password", "REDIS_PASSWORD"),
    ):
        path = folder / name
        path.write_text(stack.settings[key] + "\n")
        path.chmod(0o644)
    env_file = stack.env_file.with_name("secret-files.env")
    settings = {
        **stack.settings,
        "POSTGRES_PASSWORD": "",
        "REDIS_PASSWORD": "",
        "API_HOST_PORT": str(free_port()),
        "FRONTEND_HOST_PORT": str(free_port()),
        "POSTGRES_PASSWORD_SECRET_FILE": str(folder / "postgres_password"),
        "REDIS_PASSWORD_SECRET_FILE": str(folder / "redis_password"),
    }
    env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    with_secrets = Stack(env_file=env_file, settings=settings, project=f"{stack.project}-secrets")
    files = ("-f", "compose.yaml", "-f", "compose.secrets.yaml")
    try:
        with_secrets.compose(*files, "up", "--wait", "--wait-timeout", "180", "backend")
        backend = inspect(container_ids(with_secrets, "backend")[0])
        assert not any(
            stack.settings["POSTGRES_PASSWORD"] in variable for variable in backend["Config"]["Env"]
        )
        output = with_secrets.compose(
            *files,
            "exec",
            "-T",
            "backend",
            "python",
            "-c",
            "import urllib.request; print(urllib.request.urlopen("
            "'http://127.0.0.1:8000/health').read().decode())",
        )
        health = json.loads(output)
        assert health["components"]["database"]["status"] == "up"
        assert health["components"]["redis"]["status"] == "up"
    finally:
        with_secrets.compose(*files, "down", "--volumes", check=False)
