#!/bin/sh
# The agent container's entry point: checks that the results folder (/results, bind-mounted from the host) is
# writable, makes every file it writes world-readable (umask 022), then runs the command (e.g. `pamrl simulate
# --attach ...`). Exit code: the command's; 2 when /results is not writable.
#
# `pamrl-agent-entrypoint --health` is the healthcheck: a socket listens on the port of PAMRL_BIND
# (tcp://HOST:PORT, the agent's endpoint), i.e. the agent is ready for the simulator.
set -eu

if [ "${1:-}" = "--health" ]; then
  port=${PAMRL_BIND##*:}
  hex=$(printf '%04X' "$port")
  # /proc/net/tcp{,6}: "sl local_address rem_address st ...", state 0A = LISTEN; no connection is made.
  exec grep -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 0A " /proc/net/tcp /proc/net/tcp6
fi

umask 022
if ! touch /results/.pamrl-write-test 2>/dev/null; then
  echo "agent: FAILED: the results folder /results (host: \$PAMRL_RESULTS, default ./results/compose) is not" \
       "writable by uid $(id -u). Create it as your user first (mkdir -p results/compose) and run compose with" \
       "PAMRL_UID=\$(id -u) PAMRL_GID=\$(id -g)." >&2
  exit 2
fi
rm -f /results/.pamrl-write-test
exec "$@"
