# The simulator image: the ns-3 scenario binary, the ns-3.46.1 + nr shared libraries it loads, libzmq, and the
# loop that runs one simulator process per episode against the agent (docker/simulator-loop.sh). Build context:
# the repo root.
#
#   docker compose build simulator     (BuildKit; or docker buildx build -f docker/simulator.Dockerfile .)
#
# ns-3: when docker/stage-host-ns3.sh has put this machine's ns-3.46.1 + nr install (the one scripts/setup.sh
# built) into docker/ns3-host/prefix/, the image takes it and ns-3 is not compiled a second time. Otherwise the
# `ns3` stage builds it here from source with scripts/build-ns3.sh, the host's build script (~30-45 min on 2 cores;
# sources cloned from upstream, or the release tarballs with SHA256SUMS put into docker/ns3-host/sources/).
# (A BuildKit named context would be neater, but Debian's Docker 20.10 does not support them.)
#
# Build arguments (defaults are the public images; docker/base-image.sh makes a local stand-in without a registry):
#   DEBIAN_IMAGE  build and runtime stages: Debian bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---- toolchain ----------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS toolchain
SHELL ["/bin/sh", "-eu", "-c"]
# Debian images delete downloaded packages after each install; keep them in the apt cache mount instead.
RUN rm -f /etc/apt/apt.conf.d/docker-clean
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      g++ cmake ninja-build ccache patch xz-utils git ca-certificates pkg-config libzmq3-dev cppzmq-dev \
      nlohmann-json3-dev binutils

# ---- ns-3.46.1 + nr: the host's install, or built here from source -----------------------------------------
FROM toolchain AS ns3
COPY docker/ns3-host/ /ns3-host/
COPY scripts/build-ns3.sh /src/scripts/build-ns3.sh
COPY ns3-scenarios/patches /src/ns3-scenarios/patches
RUN --mount=type=cache,target=/cache/ccache \
    if [ -f /ns3-host/prefix/lib/cmake/ns3/ns3Config.cmake ]; then \
      echo "ns-3: the host's build, $(cat /ns3-host/prefix/pamrl-build.txt)"; mv /ns3-host/prefix /opt/ns3; \
    else \
      if [ -f /ns3-host/sources/SHA256SUMS ]; then export PAMRL_NS3_SOURCES=/ns3-host/sources; fi; \
      prefix=$(PAMRL_CACHE=/cache /src/scripts/build-ns3.sh | tail -1) && cp -a "$prefix" /opt/ns3; \
    fi; \
    rm -rf /ns3-host

# ---- the scenario -------------------------------------------------------------------------------------------
FROM toolchain AS build
COPY --from=ns3 /opt/ns3/ /opt/ns3/
WORKDIR /src
COPY agent/pamrl/bridge/schema.json agent/pamrl/bridge/schema.json
COPY bridge/cpp bridge/cpp
COPY ns3-scenarios ns3-scenarios
# The configure step of scripts/setup.sh. The build folder lives in a cache mount, so a rebuild after a source
# change recompiles only what changed.
RUN --mount=type=cache,id=pamrl-scenario-build-ns3.46,target=/src/ns3-scenarios/build \
    cmake -S ns3-scenarios -B ns3-scenarios/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DNS3_PREFIX=/opt/ns3 >/dev/null \
    && cmake --build ns3-scenarios/build --target pamrl-slicing-scenario \
    && install -D -m 0755 ns3-scenarios/build/pamrl-slicing-scenario /out/usr/local/bin/pamrl-slicing-scenario
# Ship only the ns-3 libraries the binary loads (ldd lists them transitively), stripped of debug symbols.
RUN echo /opt/ns3/lib > /etc/ld.so.conf.d/ns3.conf && ldconfig \
    && ldd /out/usr/local/bin/pamrl-slicing-scenario | awk '$3 ~ "^/opt/ns3/" {print $3}' > /tmp/ns3-libs \
    && test -s /tmp/ns3-libs \
    && while read -r lib; do install -D -m 0644 "$lib" "/out$lib"; done < /tmp/ns3-libs \
    && find /out -type f -exec strip --strip-unneeded {} + \
    && install -D -m 0644 /etc/ld.so.conf.d/ns3.conf /out/etc/ld.so.conf.d/ns3.conf

# ---- runtime ------------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS simulator
SHELL ["/bin/sh", "-eu", "-c"]
RUN rm -f /etc/apt/apt.conf.d/docker-clean
# libzmq5: the bridge; libjemalloc2: preloaded by the loop (ns-3 spends a quarter of its time in malloc/free);
# libxml2: ns-3's config-store links it when the build machine had it (the host's build did).
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libzmq5 libjemalloc2 \
      libxml2
COPY --from=build /out/ /
COPY docker/simulator-loop.sh /usr/local/bin/pamrl-simulator-loop
# ns-3's libraries find each other through the loader's cache; fails the build if one is missing.
RUN ldconfig && ! ldd /usr/local/bin/pamrl-slicing-scenario | grep 'not found' \
    && useradd --uid 1000 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin pamrl
USER 1000:1000
WORKDIR /tmp
ENV PAMRL_AGENT_ENDPOINT=tcp://agent:5555 PAMRL_TIMEOUT_S=120
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["pamrl-simulator-loop", "--health"]
ENTRYPOINT ["pamrl-simulator-loop"]
