#!/usr/bin/env bash
# Builds deploy/'s image and runs deploy/compose.yaml with three Lookout replicas on
# podman, then checks what an operator relies on:
#   - every container passes its own HEALTHCHECK (`lookout health`) within 3 minutes;
#   - Lookout runs as its unprivileged user on a read-only root;
#   - exactly one replica holds the sender lock, the others stand by;
#   - the holder killed with SIGKILL, a replica takes the lock within 15 s (the time is
#     printed; a standby, or the killed one restarted first) and the restart policy
#     brings the killed replica back healthy.
# Runs as root on a Debian machine; installs podman, buildah, runc and debootstrap from
# Debian's packages and podman-compose (pinned) from PyPI when they are missing.
#
# Where Docker Hub cannot be reached, each base image the project names is replaced by
# a STAND-IN built with debootstrap from Debian's packages, and the script says so:
# python:3.11-slim-bookworm by Debian's Python 3.11, postgres:16-bookworm by Debian's
# PostgreSQL 15 behind an entrypoint honouring POSTGRES_USER/PASSWORD/DB. The image's
# own steps (the locked install, the user, the health check) are the same either way.
#
# Podman's state lives under $LOOKOUT_IMAGE_CHECK_DIR (default
# /var/tmp/lookout-image-check), apart from any containers the machine already has.
set -euo pipefail
cd "$(dirname "$0")/.."

PODMAN_COMPOSE="podman-compose==1.6.0"
PROJECT=lookout-image-check
WORK=${LOOKOUT_IMAGE_CHECK_DIR:-/var/tmp/lookout-image-check}
PYTHON_BASE=docker.io/library/python:3.11-slim-bookworm
POSTGRES_BASE=docker.io/library/postgres:16-bookworm
HEALTHY_WITHIN=180
FAILOVER_WITHIN=15
UV=${UV:-$(command -v uv || echo .tools/bin/uv)}
export UV_PYTHON_DOWNLOADS=never

say() { echo "image: $*"; }
fail() {
    say "FAILED: $*"
    exit 1
}

if [[ $(id -u) -ne 0 ]]; then
    fail "run as root (podman's rootful mode and debootstrap need it)"
fi
missing=()
for tool in podman buildah runc debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]} from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi


# Compose's nofile of 65536 cannot be granted where the runtime may not raise limits
# above this shell's hard limit; the run then gets what this machine allows.
hard_nofile=$(ulimit -Hn)
[[ $hard_nofile == unlimited ]] && hard_nofile=65536
NOFILE=$((hard_nofile < 65536 ? hard_nofile : 65536))

# Podman's settings for this machine only, through its own environment variables.
mkdir -p "$WORK"
# vfs copies every layer whole: a build takes minutes more than on overlayfs.
if grep -qw overlay /proc/filesystems; then driver=overlay; else driver=vfs; fi
cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "$driver"
graphroot = "$WORK/storage-$driver"
runroot = "$WORK/run-$driver"
EOF
{
    # Podman's rootful default asks for more open files than such a machine grants.
    echo "[containers]"
    echo "default_ulimits = [\"nofile=$NOFILE:$NOFILE\", \"nproc=4096:4096\"]"
    echo "[engine]"
    # crun refuses a machine whose cgroups mix v1 and v2; runc accepts it.
    [[ -f /sys/fs/cgroup/cgroup.controllers ]] || echo 'runtime = "runc"'
    # Without systemd as init there is no systemd to hand cgroups to.
    [[ -d /run/systemd/system ]] || echo 'cgroup_manager = "cgroupfs"'
} >"$WORK/containers.conf"
export CONTAINERS_STORAGE_CONF="$WORK/storage.conf" CONTAINERS_CONF="$WORK/containers.conf"
# Docker's image format keeps the Dockerfile's HEALTHCHECK; OCI's drops it.
export BUILDAH_FORMAT=docker

compose() {
    "$UV" tool run --quiet --from "$PODMAN_COMPOSE" podman-compose -p "$PROJECT" \
        -f deploy/compose.yaml -f "$WORK/compose.machine.yaml" "$@"
}

ROOTFS="$WORK/rootfs"
make_rootfs() {  # a minimal Debian bookworm with Python in $ROOTFS, built once per work dir
    local rootfs=$ROOTFS
    if [[ ! -x "$rootfs/usr/bin/python3.11" ]]; then
        rm -rf "$rootfs"
        debootstrap --variant=minbase --include=python3.11,python3-pip,ca-certificates \
            bookworm "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
            || fail "debootstrap (see $WORK/debootstrap.log)"
        rm -f "$rootfs/usr/lib/python3.11/EXTERNALLY-MANAGED"
        ln -sf /usr/bin/python3.11 "$rootfs/usr/local/bin/python3.11"
        ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip"
        # The build reaches PyPI through whatever this machine trusts.
        cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    fi
}

import_standin() {  # import_standin ROOTFS NAME [--change ...]
    local rootfs=$1 name=$2
    shift 2
    tar -C "$rootfs" -c . | podman import --quiet \
        --change 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
        "$@" - "$name" >/dev/null
}

python_standin() {
    make_rootfs
    import_standin "$ROOTFS" "$PYTHON_BASE"
}

postgres_standin() {
    local rootfs="$WORK/rootfs-postgres"
    make_rootfs
    rm -rf "$rootfs"
    cp -a "$ROOTFS" "$rootfs"
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    # The entrypoint below makes the cluster; the package need not make its own.
    mkdir -p "$rootfs/etc/postgresql-common/createcluster.d"
    echo "create_main_cluster = false" \
        >"$rootfs/etc/postgresql-common/createcluster.d/no-main-cluster.conf"
    chroot "$rootfs" /bin/sh -c 'apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            postgresql-15 && rm -rf /var/lib/apt/lists/*' >"$WORK/postgres-install.log" 2>&1 \
        || fail "installing PostgreSQL into the stand-in (see $WORK/postgres-install.log)"
    ln -sf /usr/lib/postgresql/15/bin/pg_isready "$rootfs/usr/local/bin/pg_isready"
    cat >"$rootfs/usr/local/bin/postgres-entrypoint" <<'EOF'
#!/bin/sh
# The first start creates the cluster, its user and database; every start serves it.
set -e
PGDATA=/var/lib/postgresql/data
BIN=/usr/lib/postgresql/15/bin
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    printf '%s\n' "$POSTGRES_PASSWORD" >/run/postgresql/password
    chown postgres /run/postgresql/password
    su postgres -c "$BIN/initdb -D $PGDATA -U $POSTGRES_USER \
        --pwfile=/run/postgresql/password --auth-host=scram-sha-256 --auth-local=trust" >/dev/null
    rm /run/postgresql/password
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    su postgres -c "$BIN/pg_ctl -D $PGDATA -o '-c listen_addresses=' -w start" >/dev/null
    su postgres -c "psql -U $POSTGRES_USER -d postgres -c 'CREATE DATABASE \"$POSTGRES_DB\"'" >/dev/null
    su postgres -c "$BIN/pg_ctl -D $PGDATA -m fast -w stop" >/dev/null
fi
exec su postgres -c "exec $BIN/postgres -D $PGDATA -c listen_addresses='*'"
EOF
    chmod +x "$rootfs/usr/local/bin/postgres-entrypoint"
    import_standin "$rootfs" "$POSTGRES_BASE" \
        --change 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]'
    rm -rf "$rootfs"
}

for base in "$PYTHON_BASE" "$POSTGRES_BASE"; do
    if podman image exists "$base"; then
        say "base $base: present"
    elif podman pull --quiet "$base" >/dev/null 2>&1; then
        say "base $base: pulled"
    else
        say "base $base: registry unreachable, using a STAND-IN built from Debian's packages"
        if [[ $base == "$PYTHON_BASE" ]]; then python_standin; else postgres_standin; fi
    fi
done

cat >"$WORK/compose.machine.yaml" <<EOF
services:
  lookout:
    ulimits:
      nofile: {soft: $NOFILE, hard: $NOFILE}
      nproc: {soft: 4096, hard: 4096}
EOF
((NOFILE < 65536)) && say "this machine allows $NOFILE open files, not compose's 65536"

export POSTGRES_PASSWORD=image-check
containers() {  # containers SERVICE: names of the project's running containers of SERVICE
    podman ps --filter "label=io.podman.compose.project=$PROJECT" \
        --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | sort
}
cleanup() {
    podman ps -a -q --filter "label=io.podman.compose.project=$PROJECT" |
        xargs -r podman rm -f >/dev/null 2>&1 || true
    podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
    podman volume rm -f "${PROJECT}_pgdata" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

say "building deploy/Dockerfile"
started=$SECONDS
compose build >"$WORK/build.log" 2>&1 || fail "build (see $WORK/build.log)"
say "built in $((SECONDS - started)) s"

say "compose up --scale lookout=3"
compose up -d --no-build --scale lookout=3 >"$WORK/up.log" 2>&1 || fail "up (see $WORK/up.log)"

# Podman runs HEALTHCHECKs from systemd timers; without systemd, run them here.
wait_healthy() {  # wait_healthy CONTAINER SECONDS
    local deadline=$((SECONDS + $2))
    until podman healthcheck run "$1" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 1
    done
}
started=$SECONDS
mapfile -t replicas < <(containers lookout)
((${#replicas[@]} == 3)) || fail "expected 3 Lookout containers, got ${#replicas[@]}"
for name in $(containers postgres) "${replicas[@]}"; do
    wait_healthy "$name" "$HEALTHY_WITHIN" || {
        podman logs --tail 20 "$name" >&2
        fail "$name not healthy within $HEALTHY_WITHIN s"
    }
done
say "PostgreSQL and 3 Lookout replicas healthy $((SECONDS - started)) s after start"

for name in "${replicas[@]}"; do
    [[ $(podman exec "$name" id -u) == 10001 ]] || fail "$name does not run as uid 10001"
    if podman exec "$name" touch /opt/lookout/written 2>/dev/null; then
        fail "$name can write to its root file system"
    fi
done
say "each replica runs as uid 10001 on a read-only root"

holds_sender() {  # holds_sender CONTAINER [SINCE]: its last sender lock event is "acquired"
    podman logs ${2:+--since "$2"} "$1" 2>&1 | grep '"role": "sender"' | grep -q role_lock_acquired
}
sender_holders() {
    for name in "${replicas[@]}"; do
        holds_sender "$name" && echo "$name"
    done
    return 0
}
deadline=$((SECONDS + FAILOVER_WITHIN))
mapfile -t holders < <(sender_holders)
until ((${#holders[@]} == 1)) || ((SECONDS >= deadline)); do
    sleep 1
    mapfile -t holders < <(sender_holders)
done
((${#holders[@]} == 1)) || fail "${#holders[@]} replicas hold the sender lock, not 1"
holder=${holders[0]}
say "one sender: $holder; the other two stand by"

# A crash, not a stop: SIGKILL from the host, so the restart policy applies.
killed_at=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
kill -KILL "$(podman inspect --format '{{.State.Pid}}' "$holder")"
started=$SECONDS
taker=""
until [[ -n $taker ]] || ((SECONDS - started > FAILOVER_WITHIN)); do
    sleep 0.2
    for name in "${replicas[@]}"; do
        # The killed replica, restarted, may win the lock too: sending resumes either way.
        holds_sender "$name" "$killed_at" && taker=$name
    done
done
[[ -n $taker ]] || fail "no replica took the sender lock within $FAILOVER_WITHIN s"
took=$(podman logs --since "$killed_at" "$taker" 2>&1 | grep '"role": "sender"' |
    grep role_lock_acquired | tail -1 | sed 's/.*"timestamp": "\([^"]*\)".*/\1/')
say "sender failover: $taker took the lock $(python3 -c "
from datetime import datetime
a = datetime.fromisoformat('$killed_at')
b = datetime.fromisoformat('$took')
print(f'{(b - a).total_seconds():.1f}')") s after $holder was killed"
wait_healthy "$holder" "$HEALTHY_WITHIN" || fail "$holder did not come back healthy"
say "$holder restarted by its restart policy and healthy again"
say "passed"
