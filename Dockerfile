# The worker as a container image: `make docker` (scripts/build-worker-image.sh) builds it as
# baaaht/worker:<version> and :latest. It drives the host's engine through the mounted Docker
# socket and reaches the orchestrator through its shared socket directory:
#
#   docker run -d --name baaaht-worker --restart unless-stopped --stop-timeout 40 \
#     --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v /var/run/docker.sock:/var/run/docker.sock \
#     -v /run/baaaht:/run/baaaht \
#     -v /srv/workspaces:/srv/workspaces \
#     -v baaaht-worker-state:/var/lib/baaaht-worker \
#     baaaht/worker:0.1.0 --orchestrator-addr unix:///run/baaaht/grpc.sock --name worker-"$(hostname)"
#
# - The orchestrator runs with `--listen unix:///run/baaaht/grpc.sock --socket-group 10001`: the
#   socket is then 0660 of gid 10001, this image's user's group (or run the container with
#   `--user <uid of the socket's owner>` instead).
# - Mount sources are host paths: the engine binds them into task containers, but the worker
#   realpaths and checks them itself first, so every workspace directory must be visible here at
#   the SAME path as on the host (-v /srv/workspaces:/srv/workspaces), by its real path (no
#   symlink in it), and reachable (search permission) for uid 10001.
# - tini is PID 1 (no --init needed); SIGTERM drains for up to --shutdown-timeout (30s), hence
#   --stop-timeout 40; SIGHUP (docker kill -s HUP) reloads the policy, mounted read-only at
#   /etc/baaaht/policies.yaml.
# - The work directory (unacknowledged results, audit log) is /var/lib/baaaht-worker: keep it on a
#   volume. /healthz is served on 127.0.0.1:9464 for the HEALTHCHECK; set WORKER_METRICS_ADDR
#   (not --metrics-addr, which the check does not see) to move it, e.g. 0.0.0.0:9464 with -p.
# - Web tools (fetch_url, web_search) need the egress proxy, which listens on the baaaht-egress
#   network's gateway: a host address, not one of this container's own network namespace. The
#   worker then logs "web egress unavailable; web tools not offered ... EADDRNOTAVAIL" and serves
#   the file tools; run web tools on a worker on the host (bin/worker or the systemd unit).
#
# BASE_IMAGE is any Debian-based image with Node 20+ on the PATH. No registry is reachable here:
# scripts/build-worker-image.sh makes one locally (baaaht/node:20-bookworm) when the public one
# is not present. Only the classic builder's features are used (the engine here has no BuildKit).
ARG BASE_IMAGE=node:20-bookworm-slim

# Compiles the TypeScript (dev dependencies included).
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY cmd ./cmd
COPY pkg ./pkg
RUN npm run build && find dist \( -name '*.d.ts' -o -name '*.map' \) -delete

# The production dependencies the worker loads: better-sqlite3 (a native module) is only the
# orchestrator's, and its types are for the compiler. (uninstall re-resolves the whole tree:
# without --omit=dev it would bring the dev dependencies back.)
FROM ${BASE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && npm uninstall --omit=dev --no-save --ignore-scripts --no-audit --no-fund --loglevel=error better-sqlite3 @types/better-sqlite3 \
 && test ! -e node_modules/better-sqlite3

FROM ${BASE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tini >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 baaaht \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/baaaht --create-home --shell /usr/sbin/nologin baaaht \
 && install -d -o baaaht -g baaaht -m 0700 /var/lib/baaaht-worker \
 && install -d -m 0755 /etc/baaaht
WORKDIR /opt/baaaht
COPY package.json ./
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin/worker bin/task ./bin/
COPY images/worker/healthcheck.mjs ./
ENV NODE_ENV=production \
    WORKER_WORK_DIR=/var/lib/baaaht-worker \
    WORKER_METRICS_ADDR=127.0.0.1:9464 \
    PATH=/opt/baaaht/bin:$PATH
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["node", "/opt/baaaht/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/baaaht/bin/worker"]
