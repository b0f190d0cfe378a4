"""Driving this repository's Compose stack from Python: shared by the infra
tests (tests/infra) and the benchmark (scripts/bench), which both put
scripts/ on their import path. docs/dev/testing.md explains the layout."""

from stack_testing.compose import ComposeStack, Outcome, read_env_example
from stack_testing.host import ROOT, CommandFailed, ca_bundle, docker_cli, free_port, run_command
from stack_testing.waiting import WaitTimeout, wait_tasks_done, wait_until

__all__ = [
    "ROOT",
    "CommandFailed",
    "ComposeStack",
    "Outcome",
    "WaitTimeout",
    "ca_bundle",
    "docker_cli",
    "free_port",
    "read_env_example",
    "run_command",
    "wait_tasks_done",
    "wait_until",
]
