#!/bin/sh
# The agent container's job (compose.yaml runs it), chosen by PAMRL_JOB:
#   demo      (default) README's main job: train PA-MRL (PAMRL_METHOD, PAMRL_LLM) on the scenario for PAMRL_EPISODES
#             episodes, then evaluate the trained policy and the `equal` heuristic on the same PAMRL_EVAL_EPISODES
#             seeds, all over the simulator container (one simulator run per episode)
#   simulate  fixed-rule episodes (PAMRL_POLICY: equal | proportional), no training stack needed
# Results land in /results (the host's PAMRL_RESULTS). Exit code: the failing command's.
set -eu
bridge="--attach --endpoint tcp://${PAMRL_BIND_HOST:-0.0.0.0}:${PAMRL_PORT:-5555} --timeout ${PAMRL_TIMEOUT_S:-120}"
scenario=${PAMRL_SCENARIO:-small}
seed=${PAMRL_SEED:-1}
case ${PAMRL_JOB:-demo} in
  demo)
    method=${PAMRL_METHOD:-pa-mrl}
    out=/results/demo-$scenario-$method
    # One process trains, then evaluates over the same endpoint (the simulator waiting for the next episode is
    # handed over): the first PAMRL_LEARNING_STARTS steps are random shares, then learning.
    # shellcheck disable=SC2086
    exec pamrl train $bridge --scenario "$scenario" --method "$method" --llm "${PAMRL_LLM:-minilm}" \
      --episodes "${PAMRL_EPISODES:-15}" --learning-starts "${PAMRL_LEARNING_STARTS:-60}" --seed "$seed" \
      --out "$out/train" --then-evaluate "${PAMRL_EVAL_EPISODES:-2}" --baseline equal --eval-out "$out/evaluation" ;;
  simulate)
    # shellcheck disable=SC2086
    exec pamrl simulate $bridge --scenario "$scenario" --policy "${PAMRL_POLICY:-equal}" \
      --episodes "${PAMRL_EPISODES:-2}" --seed "$seed" --out "/results/simulate-$scenario-${PAMRL_POLICY:-equal}" ;;
  *)
    echo "agent: PAMRL_JOB must be demo or simulate, got '${PAMRL_JOB}'" >&2
    exit 2 ;;
esac
