# The simulator image: the ns-3 scenario binary, the ns-3.44 shared libraries it loads, libzmq, and the loop that
# runs one simulator process per episode against the agent (docker/simulator-loop.sh). Build context: the repo root.
#
#   docker compose build simulator     (BuildKit; or docker buildx build -f docker/simulator.Dockerfile .)
#
# Build arguments (defaults are the public images; docker/base-image.sh makes a local stand-in without a registry):
#   PYTHON_IMAGE  build stage: Debian bookworm with Python 3 (to fetch the ns3 wheel) and apt
#   DEBIAN_IMAGE  runtime stage: Debian bookworm
#   NS3_VERSION   the `ns3` wheel on PyPI that provides ns-3's headers and shared libraries
# Build secret (optional): extra_ca, a PEM file of extra CA certificates pip must trust (TLS-intercepting proxies).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---- build: compile the scenario against the ns3 wheel -------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ARG NS3_VERSION=3.44.post0
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_CERT=/etc/ssl/certs/pamrl-build-ca.pem
SHELL ["/bin/sh", "-eu", "-c"]
# Debian images delete downloaded packages after each install; keep them in the apt cache mount instead.
RUN rm -f /etc/apt/apt.conf.d/docker-clean
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      g++ cmake make pkg-config libzmq3-dev cppzmq-dev nlohmann-json3-dev binutils
RUN --mount=type=secret,id=extra_ca,target=/run/secrets/extra_ca \
    cat /etc/ssl/certs/ca-certificates.crt $(test -s /run/secrets/extra_ca && echo /run/secrets/extra_ca) > "$PIP_CERT"
# ns-3.44: only the wheel's files, unpacked at the path the binary's rpath names (no cppyy, no Python bindings).
RUN --mount=type=cache,target=/root/.cache/pip \
    python3 -m venv /tmp/pip && /tmp/pip/bin/pip download -q --no-deps --only-binary :all: -d /tmp/ns3-wheel "ns3==${NS3_VERSION}" \
    && python3 -m zipfile -e /tmp/ns3-wheel/ns3-*.whl /opt/ns3 && rm -r /tmp/ns3-wheel /tmp/pip \
    && test -f /opt/ns3/ns3/include/ns3/core-module.h
WORKDIR /src
COPY bridge/schema.json bridge/schema.json
COPY bridge/cpp bridge/cpp
COPY ns3-scenarios ns3-scenarios
# The configure step of scripts/setup.sh. The build folder lives in a cache mount, so a rebuild after a source
# change recompiles only what changed.
RUN --mount=type=cache,target=/src/ns3-scenarios/build \
    cmake -S ns3-scenarios -B ns3-scenarios/build -DCMAKE_BUILD_TYPE=Release -DNS3_ROOT=/opt/ns3/ns3 >/dev/null \
    && cmake --build ns3-scenarios/build -j"$(nproc)" --target pamrl-slicing-scenario \
    && install -D -m 0755 ns3-scenarios/build/pamrl-slicing-scenario /out/usr/local/bin/pamrl-slicing-scenario
# Ship only the ns-3 libraries the binary loads (ldd lists them transitively), stripped of debug symbols.
RUN ldd /out/usr/local/bin/pamrl-slicing-scenario | awk '$3 ~ "^/opt/ns3/" {print $3}' > /tmp/ns3-libs \
    && test -s /tmp/ns3-libs \
    && while read -r lib; do install -D -m 0644 "$lib" "/out$lib"; done < /tmp/ns3-libs \
    && find /out -type f -exec strip --strip-unneeded {} +

# ---- runtime ------------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS simulator
SHELL ["/bin/sh", "-eu", "-c"]
RUN rm -f /etc/apt/apt.conf.d/docker-clean
# libzmq5: the bridge; libjemalloc2: preloaded by the loop (ns-3 LTE spends a quarter of its time in malloc/free).
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libzmq5 libjemalloc2
COPY --from=build /out/ /
COPY docker/simulator-loop.sh /usr/local/bin/pamrl-simulator-loop
# Fails the build if a shared library is missing from the runtime image.
RUN ! ldd /usr/local/bin/pamrl-slicing-scenario | grep 'not found' \
    && useradd --uid 1000 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin pamrl
USER 1000:1000
WORKDIR /tmp
ENV PAMRL_AGENT_ENDPOINT=tcp://agent:5555 PAMRL_TIMEOUT_S=120
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["pamrl-simulator-loop", "--health"]
ENTRYPOINT ["pamrl-simulator-loop"]
