#!/usr/bin/env bash
# pnpm test:compose: makes Docker usable here (setup-docker.sh), then runs the smoke test against a
# compose project of its own. The test removes its project when it ends; this trap removes it too if
# the test process itself dies.
set -euo pipefail
cd "$(dirname "$0")"

eval "$(bash ./setup-docker.sh)"
export COMPOSE_PROJECT_NAME="tally-smoke-$$-$RANDOM"
trap 'docker compose -f ../../docker-compose.yml -p "$COMPOSE_PROJECT_NAME" down -v --remove-orphans >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
vitest run
