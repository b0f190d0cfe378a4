"""Safe by default: no root, no privileges, nothing published that need not
be, and no secret in an image."""

from __future__ import annotations

import secrets
import subprocess

import httpx
from harness import LONG_RUNNING, PROJECT, ROOT, Stack, docker_cli, free_port

IMAGES = [f"stack-{name}:{PROJECT}" for name in ("app", "db", "redis", "frontend")]


def test_every_container_runs_unprivileged(stack: Stack) -> None:
    for service in sorted(LONG_RUNNING):
        container = stack.containers(service)[0]
        user, host = container.config.user, container.host_config
        assert user, service
        assert not user.startswith(("0:", "root")), (service, user)
        assert "no-new-privileges:true" in host.security_opt, service
        assert host.cap_drop == ["ALL"], service
        assert not host.privileged, service
        assert stack.exec(service, "id", "-u").strip() != "0", service


def test_postgres_and_redis_are_published_only_by_the_opt_in_override(stack: Stack) -> None:
    def published(*files: str) -> dict[str, list[str]]:
        config = stack.with_files(*files).config()
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
    secrets = [
        stack.settings[key]
        for key in (
            "POSTGRES_PASSWORD",
            "POSTGRES_APP_PASSWORD",
            "REDIS_PASSWORD",
            "REDIS_API_PASSWORD",
            "REDIS_WORKER_PASSWORD",
        )
    ]
    for image in IMAGES:
        # As the engine gives them, every field: a typed model would skip unknown ones.
        history = docker_cli("history", "--no-trunc", image)
        metadata = docker_cli("image", "inspect", image)
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
        ("postgres_app_password", "POSTGRES_APP_PASSWORD"),
        ("redis_password", "REDIS_PASSWORD"),
        ("redis_api_password", "REDIS_API_PASSWORD"),
        ("redis_worker_password", "REDIS_WORKER_PASSWORD"),
    ):
        path = folder / name
        path.write_text(stack.settings[key] + "\n")
        path.chmod(0o644)
    token = folder / "api_token"
    token.write_text(secrets.token_urlsafe(32) + "\n")
    token.chmod(0o644)
    settings = {
        **stack.settings,
        "POSTGRES_PASSWORD": "",
        "POSTGRES_APP_PASSWORD": "",
        "REDIS_PASSWORD": "",
        "REDIS_API_PASSWORD": "",
        "REDIS_WORKER_PASSWORD": "",
        "API_HOST_PORT": str(free_port()),
        "FRONTEND_HOST_PORT": str(free_port()),
        "POSTGRES_PASSWORD_SECRET_FILE": str(folder / "postgres_password"),
        "POSTGRES_APP_PASSWORD_SECRET_FILE": str(folder / "postgres_app_password"),
        "REDIS_PASSWORD_SECRET_FILE": str(folder / "redis_password"),
        "REDIS_API_PASSWORD_SECRET_FILE": str(folder / "redis_api_password"),
        "REDIS_WORKER_PASSWORD_SECRET_FILE": str(folder / "redis_worker_password"),
        "API_TOKEN_SECRET_FILE": str(token),
    }
    with_secrets = Stack(
        f"{stack.project}-secrets",
        stack.env_file.with_name("secret-files.env"),
        settings,
        image_tag=stack.image_tag,  # the images the session built
        files=("compose.yaml", "compose.secrets.yaml"),
    )
    try:
        with_secrets.up("backend")
        backend = with_secrets.containers("backend")[0]
        for key in ("POSTGRES_PASSWORD", "POSTGRES_APP_PASSWORD"):
            assert not any(stack.settings[key] in variable for variable in backend.config.env)
        bearer = {"Authorization": f"Bearer {token.read_text().strip()}"}
        health = httpx.get(with_secrets.api + "/health", headers=bearer, timeout=10).json()
        assert health["components"]["database"]["status"] == "up"
        assert health["components"]["redis"]["status"] == "up"
    finally:
        with_secrets.remove()
