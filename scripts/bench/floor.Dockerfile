# The app image's floor: backend/Dockerfile's runtime base (debian + Debian's
# python3) plus the virtual environment of the locked runtime dependencies, and
# nothing of the project's own. scripts/bench/bench.py builds the two stages
# (`--target python`, `--target build`) and names them here.
ARG PYTHON_IMAGE
ARG BUILD_IMAGE
FROM ${BUILD_IMAGE} AS build
FROM ${PYTHON_IMAGE}
COPY --from=build /app/.venv /app/.venv
