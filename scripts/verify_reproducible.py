"""`just verify-reproducible` (and `tox -e repro`): build every image twice from
scratch and check that both builds gave the same image ids.

1. The base image, twice with mmdebstrap (scripts/build-base-image), as
   `stack-base:repro-a` and `-b` (as root on a Debian host; elsewhere the base
   is $BASE_IMAGE for both and is not checked).
2. The four images, twice: `docker compose build --no-cache` of two fresh
   copies of the build inputs (new files, so new modification times, as in a
   fresh clone), each on its own base, tagged `repro-a` and `repro-b`, under the
   one Compose project `repro` (Compose labels images with the project's name),
   each image for one named service (see SERVICES).
   Each copy's Dockerfile gives its cache mounts (pip's, uv's) an id of its own,
   so they start empty: `--no-cache` alone keeps cache mounts. They are removed
   at the end.
3. A source edit in the second copy, then a normal (cached) build of the app
   image: its id must change, and only its last layer (the sources').
4. A lock that names a version the mirror does not serve (the Redis image's,
   with `redis-server` at a version that does not exist): the build must stop
   with the message that names it and the command that re-locks.

When two ids differ, scripts/image_diff.py names the layers and files that
differ (with diffoscope's report when it is installed). The images and cache
mounts it made are removed at the end (`--keep` keeps the images).
docs/dev/reproducibility.md explains what is promised.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from image_diff import describe, layer_digests, layer_steps
from stack_testing import ROOT, CommandFailed, ca_bundle, docker_cli, run_command

PROJECT = "repro"
IMAGES = ("stack-app", "stack-db", "stack-redis", "stack-frontend")
# One service per image. Compose labels an image with the service it built it
# for, and the app image serves three (db-init, backend, celery_worker): left to
# choose, Compose picks any of them, and the label changes the image id.
SERVICES = ("db-init", "db", "redis", "frontend")
BASE_REPOSITORY = "stack-base"
CACHE_ID_PREFIX = "stack-repro-"
# What the builds read: the Compose file, the build contexts and the locks.
BUILD_INPUTS = (
    "compose.yaml",
    ".env.example",
    ".dockerignore",
    "uv.lock",
    "pyproject.toml",
    "backend",
    "worker",
    "db",
    "images",
)
SOURCE_EDIT = "backend/src/stack_backend/__init__.py"


def log(message: str) -> None:
    print(f"==> [verify-reproducible] {message}", flush=True)


def copy_inputs(into: Path, nonce: str) -> Path:
    """A copy of the build inputs (files new, as in a fresh clone) whose app
    Dockerfile names its cache mounts after `nonce`, so they start empty."""
    into.mkdir(parents=True)
    for name in BUILD_INPUTS:
        source, target = ROOT / name, into / name
        if source.is_dir():
            shutil.copytree(
                source,
                target,
                copy_function=shutil.copy,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"),
            )
        else:
            shutil.copy(source, target)
    dockerfile = into / "backend" / "Dockerfile"
    text, renamed = re.subn(
        r"type=cache,target=([^\s,]+)",
        rf"type=cache,id={CACHE_ID_PREFIX}{nonce}\1,target=\1",
        dockerfile.read_text(),
    )
    if not renamed:
        raise RuntimeError(f"{dockerfile}: no cache mount found to give a fresh id")
    dockerfile.write_text(text)
    return into


def build_environment(base_image: str, tag: str, inputs: Path) -> dict[str, str]:
    """The environment `just build` gives Compose (scripts/build-env), for this
    copy, base and tag."""
    environment = {**os.environ, "BASE_IMAGE": base_image}
    exported = run_command([str(ROOT / "scripts" / "build-env")], env=environment)
    for line in exported.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        environment[name] = value.strip("'")
    environment.update(
        STACK_IMAGE_TAG=tag,
        ENV_FILE=str(inputs / ".env.example"),
        BUILD_CA_BUNDLE=ca_bundle(),
        COMPOSE_PROJECT_NAME=PROJECT,
        # Compose builds through `buildx bake`, which asks for a grant to read
        # the CA bundle (outside the build's folder) when it has no terminal.
        BUILDX_BAKE_ENTITLEMENTS_FS="0",
    )
    return environment


def compose_build(inputs: Path, environment: dict[str, str], *extra: str) -> float:
    started = time.monotonic()
    run_command(
        [
            "docker", "compose", "--project-directory", str(inputs), "-f", "compose.yaml",
            "--env-file", ".env.example", "build", "--quiet", *extra,
        ],
        cwd=inputs,
        env=environment,
        timeout=1200,
    )  # fmt: skip
    return time.monotonic() - started


def image_id(image: str) -> str:
    return docker_cli("image", "inspect", "--format", "{{.Id}}", image).strip()


def build_base(tag: str) -> float:
    started = time.monotonic()
    run_command([str(ROOT / "scripts" / "build-base-image"), tag], timeout=900)
    return time.monotonic() - started


def base_buildable() -> bool:
    os_release = Path("/etc/os-release")
    is_debian = os_release.exists() and "ID=debian" in os_release.read_text().split()
    return os.geteuid() == 0 and is_debian


def compare(first: str, second: str, what: str) -> bool:
    """True when both images have one id; else prints what differs."""
    id_first, id_second = image_id(first), image_id(second)
    if id_first == id_second:
        log(f"{what}: same image id {id_first[7:19]} ({len(layer_digests(first))} layers)")
        return True
    layers_first, layers_second = layer_digests(first), layer_digests(second)
    same = sum(a == b for a, b in zip(layers_first, layers_second, strict=False))
    log(f"{what}: DIFFERENT ids {id_first[7:19]} and {id_second[7:19]}; ")
    total = max(len(layers_first), len(layers_second))
    log(f"    {same} of {total} layers the same; what differs:")
    for line in describe(first, second):
        print(f"    {line}", flush=True)
    return False


def note_shared_base(fresh: str) -> None:
    """Whether $BASE_IMAGE, the base the stack builds on, is the one this
    commit's bootstrap makes (on a host that pulled it, it is Debian's)."""
    shared = os.environ.get("BASE_IMAGE", "debian:trixie-slim")
    try:
        same = image_id(shared) == image_id(fresh)
    except CommandFailed:
        log(f"    {shared} (the stack's base) is not present")
        return
    verdict = "the same image" if same else "another image (pulled, or from another lock or commit)"
    log(f"    {shared} (the stack's base) is {verdict}")


def check_source_edit(inputs: Path, environment: dict[str, str], before: str) -> bool:
    """A source edit changes the app image's id, and only its sources' layer."""
    with (inputs / SOURCE_EDIT).open("a") as source:
        source.write("# verify-reproducible: a source edit\n")
    seconds = compose_build(inputs, environment, "db-init")
    after = f"stack-app:{environment['STACK_IMAGE_TAG']}"
    layers_before, layers_after = layer_digests(before), layer_digests(after)
    pairs = zip(layers_before, layers_after, strict=True)
    changed = [number for number, (a, b) in enumerate(pairs) if a != b]
    steps = layer_steps(after)
    new_id = image_id(before) != image_id(after)
    good = new_id and len(changed) == 1 and "/app/src" in steps[changed[0]]
    made_by = "; ".join(f"layer {n + 1}: {steps[n][:70]}" for n in changed)
    log(
        f"source edit: app image rebuilt in {seconds:.1f} s; its id "
        f"{'changed' if new_id else 'DID NOT change'}; {len(changed)} of {len(layers_after)} "
        f"layers changed ({made_by}): "
        f"{'only the sources, as it should' if good else 'expected only the sources layer'}"
    )
    return good


def check_missing_version(inputs: Path, base: str) -> bool:
    """A locked version the mirror lacks stops the build with a clear message."""
    context = inputs / "images" / "redis"
    lock = context / "packages.lock"
    lock.write_text(
        re.sub(r"^redis-server=.*$", "redis-server=0.0-missing", lock.read_text(), flags=re.M)
    )
    try:
        docker_cli(
            "build", "--progress", "plain", "--build-arg", f"BASE_IMAGE={base}",
            "--build-context", f"build-tools={inputs / 'images' / 'build-tools'}",
            "--tag", f"stack-redis:{PROJECT}-missing", str(context),
        )  # fmt: skip
    except CommandFailed as failure:
        message = str(failure)
        good = "redis-server 0.0-missing (the mirror serves:" in message and (
            "just lock-debian" in message
        )
        said = re.findall(
            r"apt-install-locked: .*|^\S+ +redis-server 0\.0-missing.*", message, re.M
        )
        log(f"a locked version the mirror lacks: the build stopped with: {said[:2]}")
        return good
    log("a locked version the mirror lacks: the build DID NOT stop")
    return False


def remove_own(tags: list[str], nonces: list[str]) -> None:
    for tag in tags:
        with suppress(CommandFailed):
            docker_cli("image", "rm", "--force", tag)
    with suppress(CommandFailed):
        for line in docker_cli("buildx", "du", "--format", "json").splitlines():
            with suppress(ValueError):
                entry = json.loads(line)
                description = entry.get("Description", "")
                if entry.get("Type") == "exec.cachemount" and any(
                    f"{CACHE_ID_PREFIX}{nonce}" in description for nonce in nonces
                ):
                    docker_cli("buildx", "prune", "--force", "--filter", f"id={entry['ID']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the images it built")
    parser.add_argument(
        "--skip-base", action="store_true", help="build both on $BASE_IMAGE, do not check the base"
    )
    options = parser.parse_args()
    started = time.monotonic()
    nonces = [secrets.token_hex(4), secrets.token_hex(4)]
    tags = [f"{PROJECT}-a", f"{PROJECT}-b"]
    own = [f"{image}:{tag}" for image in IMAGES for tag in tags] + [
        f"stack-redis:{PROJECT}-missing"
    ]
    results: list[bool] = []
    remove_own(own, [])
    try:
        with tempfile.TemporaryDirectory(prefix="verify-reproducible-") as folder:
            # Both copies first: the same inputs, even if the work tree changes meanwhile.
            copies = [
                copy_inputs(Path(folder) / tag, nonce)
                for tag, nonce in zip(tags, nonces, strict=True)
            ]
            if options.skip_base or not base_buildable():
                base = os.environ.get("BASE_IMAGE", "debian:trixie-slim")
                bases = [base, base]
                why = "--skip-base" if options.skip_base else "it needs root on a Debian host"
                log(f"base: not checked ({why}); both builds start FROM {base}")
            else:
                bases = [f"{BASE_REPOSITORY}:{tag}" for tag in tags]
                own += bases
                for base in bases:
                    log(f"base: mmdebstrap, as {base}")
                    log(f"    built in {build_base(base):.1f} s")
                results.append(compare(*bases, "base image"))
                note_shared_base(bases[0])
            environments = [
                build_environment(base, tag, inputs)
                for tag, base, inputs in zip(tags, bases, copies, strict=True)
            ]
            for inputs, environment, tag, base in zip(
                copies, environments, tags, bases, strict=True
            ):
                log(f"images: docker compose build --no-cache, tag {tag}, FROM {base}")
                seconds = compose_build(inputs, environment, "--no-cache", *SERVICES)
                log(f"    built in {seconds:.1f} s")
            for image in IMAGES:
                results.append(compare(*(f"{image}:{tag}" for tag in tags), image))
            results.append(check_source_edit(copies[1], environments[1], f"stack-app:{tags[0]}"))
            results.append(check_missing_version(copies[0], bases[0]))
    finally:
        if not options.keep:
            remove_own(own, nonces)
    verdict = "reproducible" if all(results) else "NOT reproducible"
    seconds = time.monotonic() - started
    log(f"{verdict}: {sum(results)} of {len(results)} checks passed in {seconds:.0f} s")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
