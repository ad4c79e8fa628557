#!/bin/sh
# The simulator container's entry point: one pamrl-slicing-scenario process per episode, connected to the agent,
# restarted while it exits 0 (episode done) and ended on exit code 5 (the agent needs no more episodes: success).
# Any other code ends the loop with that code and says why, so compose shows the failed side.
#
# Environment:
#   PAMRL_AGENT_ENDPOINT  where the agent binds (default tcp://agent:5555, the compose service)
#   PAMRL_TIMEOUT_S       longest wait for the agent, at connect and at every control period (default 120)
# `pamrl-simulator-loop --health` is the healthcheck: an episode's simulator process is running.
set -u
pidfile=/tmp/pamrl-simulator.pid

if [ "${1:-}" = "--health" ]; then
  pid=$(cat "$pidfile" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
  exit
fi

endpoint=${PAMRL_AGENT_ENDPOINT:-tcp://agent:5555}
timeout_s=${PAMRL_TIMEOUT_S:-120}
case $timeout_s in '' | *[!0-9]*) echo "simulator: PAMRL_TIMEOUT_S must be whole seconds, got '$timeout_s'" >&2; exit 2 ;; esac
for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2; do
  # heap on huge pages unless MALLOC_CONF is given (agent/pamrl/bridge/simulator.py, allocator_env, says why)
  [ -e "$lib" ] && export LD_PRELOAD="$lib" MALLOC_CONF="${MALLOC_CONF:-thp:always,metadata_thp:always}" && break
done

child=
stop() {
  echo "simulator: stopped by signal during episode $((episode + 1))" >&2
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child"
  exit 143
}
trap stop TERM INT

episode=0
echo "simulator: connecting to the agent at $endpoint (timeout ${timeout_s} s)" >&2
while :; do
  pamrl-slicing-scenario --connect="$endpoint" --timeoutMs="$((timeout_s * 1000))" &
  child=$!
  echo "$child" > "$pidfile"
  wait "$child"
  code=$?
  child=
  case $code in
    0) episode=$((episode + 1)); echo "simulator: episode $episode done" >&2 ;;
    5) echo "simulator: the agent needs no more episodes; $episode episode(s) run, exiting" >&2; exit 0 ;;
    3) echo "simulator: FAILED in episode $((episode + 1)): bridge error (the agent at $endpoint stopped, did not" \
            "answer within ${timeout_s} s, or spoke another protocol; its message is above)" >&2; exit 3 ;;
    4) echo "simulator: FAILED in episode $((episode + 1)): the agent sent a scenario the simulator rejects" >&2; exit 4 ;;
    *) echo "simulator: FAILED in episode $((episode + 1)): pamrl-slicing-scenario exited with code $code" \
            "$( [ "$code" -gt 128 ] && echo "(signal $((code - 128)))")" >&2; exit "$code" ;;
  esac
done
