#!/usr/bin/env bash
# Makes local stand-ins for the Dockerfiles' public base images, for machines that reach no image registry:
#   pamrl-local/debian:bookworm-slim          for debian:bookworm-slim    (debootstrap --variant=minbase)
#   pamrl-local/python:3.11-slim-bookworm     for python:3.11-slim-bookworm (the same + Debian's python3 3.11)
# Use them with
#   PAMRL_DEBIAN_IMAGE=pamrl-local/debian:bookworm-slim PAMRL_PYTHON_IMAGE=pamrl-local/python:3.11-slim-bookworm \
#     docker compose build
# debootstrap reads the Debian mirror this machine's apt already uses (from /etc/apt/sources.list{,.d} now, never
# written into the repo); Python comes from that mirror too (apt in a container on the host network).
# Needs root (debootstrap) and a running engine (scripts/docker-engine.sh). An image that exists is kept.
set -euo pipefail

debian_image=pamrl-local/debian:bookworm-slim
python_image=pamrl-local/python:3.11-slim-bookworm
suite=bookworm
log() { echo "base-image: $*" >&2; }
exists() { docker image inspect "$1" >/dev/null 2>&1; }

if ! exists "$debian_image"; then
  [ "$(id -u)" = 0 ] || { log "debootstrap needs root"; exit 1; }
  command -v debootstrap >/dev/null || { log "no debootstrap (apt-get install debootstrap)"; exit 1; }
  # The first Debian mirror that serves $suite, from one-line (.list) and deb822 (.sources) apt source files.
  mirror=$({ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } | awk -v suite="$suite" '
    function flush() {
      if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "" && !found) { split(uris, u, " "); print u[1]; found = 1 }
      types = uris = suites = ""
    }
    /^[ \t]*#/ { next }
    /^deb[ \t]/ { n = split($0, f, /[ \t]+/); i = 2; if (f[i] ~ /^\[/) { while (f[i] !~ /\]$/) i++; i++ }
                  if (f[i+1] == suite && !found) { print f[i]; found = 1 } next }
    /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0; next }
    /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0; next }
    /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0; next }
    /^[ \t]*$/ { flush() }
    END { flush() }')
  [ -n "$mirror" ] || { log "no apt source for Debian $suite on this machine"; exit 1; }

  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrap --variant=minbase $suite from $mirror (about a minute)"
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >/dev/null
  # As the official slim images: no package cache, no apt lists, no docs.
  rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
         "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  tar -C "$rootfs" -c . | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' \
    --message "debootstrap --variant=minbase $suite (docker/base-image.sh)" - "$debian_image" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi

if ! exists "$python_image"; then
  log "adding Debian's python3 (3.11) to $debian_image"
  name=pamrl-base-image-$$
  docker run --name "$name" --network host "$debian_image" sh -euc '
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-venv ca-certificates >/dev/null
    apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*' \
    || { docker rm -f "$name" >/dev/null; exit 1; }
  docker commit --change 'CMD ["python3"]' "$name" "$python_image" >/dev/null
  docker rm "$name" >/dev/null
fi

for i in "$debian_image" "$python_image"; do
  log "$i: $(docker image inspect -f '{{.Size}}' "$i" | numfmt --to=si)B"
done
