# The worker as a container image (`make docker`): it drives the host's engine through the mounted
# Docker socket and reaches the orchestrator through a shared socket directory:
#   docker run -d --init -v /var/run/docker.sock:/var/run/docker.sock -v /tmp:/tmp \
#     baaaht/worker:0.1.0 --orchestrator-addr unix:///tmp/baaaht-grpc.sock
# Mount sources are host paths: the engine binds them, so they need not exist in this container.
# BASE_IMAGE is any image with Node 20+ (no registry is needed when it is built locally).
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY cmd ./cmd
COPY pkg ./pkg
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE_IMAGE}
WORKDIR /opt/baaaht
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
ENV NODE_ENV=production
ENTRYPOINT ["node", "/opt/baaaht/bin/worker"]
