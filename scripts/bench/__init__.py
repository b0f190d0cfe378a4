"""`just bench`: measure the development loop on the local Docker engine.

One run measures, so that ratios hold on a noisy machine:

- builds: each image's cold build (no layer cache, empty cache mounts), the app
  image's rebuild after a source-only change and after a lock change, the
  image sizes and the app image's floor;
- up: `docker compose up --wait` of built images, beside each service's own
  time from its container's start to its first passing healthcheck;
- http: /health and /health/live with wrk, 1 and 50 connections, on loopback;
- tasks: the dummy task's round trip, and the throughput of stack.cpu_burn
  with 1 and 2 worker containers of concurrency 1;
- unit: `uv run tox -e unit`, in a copy of the work tree.

Everything runs under its own Compose project (`stack-bench`) on free host
ports, with the project name as its image tag, and is removed at the end. The
measures go to .bench/ as JSON, and the report rendered from them as Markdown.
docs/dev/performance.md explains the figures.

One module a section (builds, sizes, startup, http_load, tasks, unit_tests),
each returning plain data; report.py renders it with templates/.
"""
