"""`uv run just bench`: the entry point of the benchmark (the package beside
this file; its docstring says what it measures)."""

import sys
from pathlib import Path

# scripts/ instead of this folder: the benchmark is imported as the package
# `bench`, beside the Compose driver it shares with the infra tests
# (scripts/stack_testing), and none of its modules shadows another.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
