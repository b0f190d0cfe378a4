"""What differs between two images: their configs, then layer by layer, the files.

`just verify-reproducible` (scripts/verify_reproducible.py) calls it when two
builds of the same inputs gave two image ids, so that the cause is visible: a
file with another time, owner, mode or content names the step that made it.
With diffoscope on PATH (Debian's `diffoscope-minimal`), the contents of the
files that differ are compared too.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from stack_testing import docker_cli


@dataclass(frozen=True)
class Entry:
    """A file of a layer tar as it decides the layer's bytes."""

    kind: str
    mode: str
    owner: str
    size: int
    mtime: int
    link: str
    digest: str

    def differences(self, other: Entry) -> list[str]:
        return [
            f"{name} {getattr(self, name)} vs {getattr(other, name)}"
            for name in ("kind", "mode", "owner", "size", "mtime", "link", "digest")
            if getattr(self, name) != getattr(other, name)
        ]


def saved_image(image: str, into: Path) -> tuple[dict[str, object], list[Path]]:
    """`docker save` IMAGE into a folder: its config and its layer tars, in order."""
    into.mkdir(parents=True, exist_ok=True)
    archive = into / "image.tar"
    docker_cli("save", "--output", str(archive), image)
    with tarfile.open(archive) as saved:
        saved.extractall(into, filter="data")
    archive.unlink()
    manifest = json.loads((into / "manifest.json").read_text())[0]
    config = json.loads((into / manifest["Config"]).read_text())
    return config, [into / layer for layer in manifest["Layers"]]


def layer_entries(layer: Path) -> dict[str, Entry]:
    entries = {}
    with tarfile.open(layer) as tar:
        for member in tar:
            digest = ""
            if member.isfile():
                extracted = tar.extractfile(member)
                digest = hashlib.sha256(extracted.read() if extracted else b"").hexdigest()[:16]
            entries[member.name] = Entry(
                kind=member.type.decode(),
                mode=oct(member.mode),
                owner=f"{member.uid}:{member.gid}",
                size=member.size,
                mtime=int(member.mtime),
                link=member.linkname,
                digest=digest,
            )
    return entries


def config_differences(first: object, second: object, where: str = "config") -> list[str]:
    """Each value that differs between two image configs, by its path
    (`config.config.Labels.com.docker.compose.service: "db-init" vs "backend"`);
    the layers are compared apart."""
    if first == second:
        return []
    if isinstance(first, dict) and isinstance(second, dict):
        return [
            line
            for key in sorted(set(first) | set(second))
            if key != "rootfs"
            for line in config_differences(first.get(key), second.get(key), f"{where}.{key}")
        ]
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        return [
            line
            for number, (one, other) in enumerate(zip(first, second, strict=True))
            for line in config_differences(one, other, f"{where}[{number}]")
        ]
    return [f"{where}: {json.dumps(first)[:300]} vs {json.dumps(second)[:300]}"]


def diffoscope(first: Path, second: Path, limit: int = 6000) -> str:
    """diffoscope's text report of two layer tars, cut to `limit` characters;
    empty when diffoscope is not installed."""
    if shutil.which("diffoscope") is None:
        return ""
    result = subprocess.run(  # noqa: S603 - fixed argument list
        ["diffoscope", "--text", "-", "--no-progress", str(first), str(second)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.stdout[:limit]


def describe(first: str, second: str, *, max_files: int = 40) -> list[str]:
    """Lines that say how image `first` differs from image `second`."""
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="image-diff-") as folder:
        config_a, layers_a = saved_image(first, Path(folder) / "a")
        config_b, layers_b = saved_image(second, Path(folder) / "b")
        lines += config_differences(config_a, config_b)
        history = [h for h in config_a.get("history", []) if not h.get("empty_layer")]  # type: ignore[union-attr]
        if len(layers_a) != len(layers_b):
            lines.append(f"{len(layers_a)} layers vs {len(layers_b)}")
        for number, (layer_a, layer_b) in enumerate(zip(layers_a, layers_b, strict=False)):
            if layer_a.read_bytes() == layer_b.read_bytes():
                continue
            step = history[number].get("created_by", "?") if number < len(history) else "?"
            lines.append(f"layer {number + 1} differs; made by: {str(step)[:160]}")
            entries_a, entries_b = layer_entries(layer_a), layer_entries(layer_b)
            names = sorted(
                name
                for name in set(entries_a) | set(entries_b)
                if entries_a.get(name) != entries_b.get(name)
            )
            for name in names[:max_files]:
                entry_a, entry_b = entries_a.get(name), entries_b.get(name)
                if entry_a is None or entry_b is None:
                    lines.append(f"    /{name}: only in {'second' if entry_a is None else 'first'}")
                else:
                    lines.append(f"    /{name}: {'; '.join(entry_a.differences(entry_b))}")
            if len(names) > max_files:
                lines.append(f"    ... and {len(names) - max_files} more")
            if not names:
                lines.append("    same files, times and owners: the tar's order or headers differ")
            report = diffoscope(layer_a, layer_b)
            if report:
                lines.append("    diffoscope:")
                lines += [f"      {line}" for line in report.splitlines()]
    return lines


# The instructions that add a layer (BuildKit's WORKDIR does too); the others
# change only the config. The base's own step has no Dockerfile instruction.
LAYER_STEPS = ("RUN ", "COPY ", "ADD ", "WORKDIR ")


def layer_steps(image: str) -> list[str]:
    """What made each layer of the image, bottom first (from `docker history`)."""
    rows = docker_cli("image", "history", "--no-trunc", "--format", "{{json .}}", image)
    steps = []
    for row in reversed(rows.splitlines()):
        entry = json.loads(row)
        made_by = entry.get("CreatedBy", "")
        is_base = entry.get("Comment", "") != "buildkit.dockerfile.v0"
        if is_base or made_by.startswith(LAYER_STEPS):
            steps.append(made_by)
    return steps


def layer_digests(image: str) -> list[str]:
    """The image's layers (diff ids), bottom first."""
    found = docker_cli("image", "inspect", "--format", "{{json .RootFS.Layers}}", image)
    layers: list[str] = json.loads(found)
    return layers
