#!/usr/bin/env bash
# Build the worker image (Dockerfile) as baaaht/worker:<version> and baaaht/worker:latest; `make docker` runs this.
# The base (the Dockerfile's BASE_IMAGE, any Debian-based image with Node 20+):
#   BASE_IMAGE=<image>   that image (docker build pulls it when the engine lacks it and a registry answers)
#   unset                node:20-bookworm-slim when the engine has it; else, with no registry needed,
#                        baaaht/node:20-bookworm, made here: baaaht/debian-base:bookworm (scripts/build-images.sh
#                        makes it) plus this host's own Node 20+ binary and npm, and the CA bundle the host's
#                        npm trusts (npm config get cafile) so that `npm ci` in the build passes the same
#                        TLS-inspecting proxy, if any (images/worker/node-base/).
# Idempotent: an image whose label (io.baaaht.worker-source-hash, io.baaaht.node-base-hash) matches a hash of its inputs is kept, so a second run
# builds nothing. The worker's inputs are the files the build context holds (.dockerignore is an allowlist)
# and the base's image id; the Node base's are its Dockerfile, the node binary, npm, that CA bundle and the Debian base's id.
# FORCE=1 rebuilds both. Prints the image built (or kept) on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[build-worker-image] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

VERSION=$(node -p "require('./package.json').version")
WORKER_IMAGE=${WORKER_IMAGE:-baaaht/worker:${VERSION}}
WORKER_LATEST=${WORKER_IMAGE%:*}:latest
PUBLIC_BASE=node:20-bookworm-slim
LOCAL_BASE=${LOCAL_NODE_BASE:-baaaht/node:20-bookworm}
DEBIAN_BASE=${DEBIAN_BASE:-baaaht/debian-base:bookworm}
BASE_HASH_LABEL=io.baaaht.node-base-hash
WORKER_HASH_LABEL=io.baaaht.worker-source-hash

have_image() { docker image inspect "$1" >/dev/null 2>&1; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
# image_label IMAGE LABEL
image_label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }
# sha256 of stdin, short.
digest() { sha256sum | cut -c1-32; }
# Names and contents of files (NUL-separated on stdin), in a stable order.
hash_files() { LC_ALL=C sort -z | xargs -0 sha256sum | digest; }

# docker build with its output kept in a file, shown when it fails.
build() {
  local out status=0
  out=$(mktemp /tmp/baaaht-docker-build.XXXXXX)
  docker build "$@" >"$out" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    tail -n 40 "$out" >&2
    rm -f "$out"
    return "$status"
  fi
  rm -f "$out"
}

# The local Node base: the Debian base plus the host's node (stripped when `strip` is there) and npm.
build_local_base() {
  local node_bin npm_dir major cafile hash ctx
  node_bin=$(readlink -f "$(command -v node)")
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "the host's Node is $(node --version); the worker needs 20+ (install it, or give BASE_IMAGE=<an image with Node 20+>)"
  npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
  [ -f "$npm_dir/package.json" ] || die "cannot find npm's directory (looked at $npm_dir)"
  if ! have_image "$DEBIAN_BASE"; then
    log "$DEBIAN_BASE is missing: running scripts/build-images.sh"
    bash scripts/build-images.sh
  fi
  # The CA bundle the host's npm trusts, if it names one (npm says "null" when not).
  cafile=$(npm config get cafile 2>/dev/null || true)
  if [ "$cafile" = null ] || [ ! -f "$cafile" ]; then cafile=""; fi
  hash=$({
    sha256sum images/worker/node-base/Dockerfile "$node_bin" ${cafile:+"$cafile"} | cut -d' ' -f1
    (cd "$npm_dir" && find . -type f -print0 | hash_files)
    image_id "$DEBIAN_BASE"
  } | digest)
  if [ "${FORCE:-0}" != 1 ] && [ "$(image_label "$LOCAL_BASE" "$BASE_HASH_LABEL")" = "$hash" ]; then
    log "$LOCAL_BASE is up to date (Node $(node --version) of this host)"
    return
  fi
  log "building $LOCAL_BASE: $DEBIAN_BASE + this host's Node $(node --version) ($node_bin) and npm $(npm --version)"
  ctx=$(mktemp -d /tmp/baaaht-node-base.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$ctx'" EXIT
  cp images/worker/node-base/Dockerfile "$ctx/"
  if command -v strip >/dev/null 2>&1; then strip -o "$ctx/node" "$node_bin"; else cp "$node_bin" "$ctx/node"; fi
  cp -a "$npm_dir" "$ctx/npm"
  mkdir "$ctx/etc"
  : >"$ctx/etc/npmrc"
  if [ -n "$cafile" ]; then
    cp "$cafile" "$ctx/etc/npm-ca.pem"
    echo 'cafile=/usr/local/etc/npm-ca.pem' >"$ctx/etc/npmrc"
  fi
  build --build-arg DEBIAN_IMAGE="$DEBIAN_BASE" --label "$BASE_HASH_LABEL=$hash" -t "$LOCAL_BASE" "$ctx" ||
    die "building $LOCAL_BASE failed (a host Node linked against libraries the Debian base lacks? give BASE_IMAGE=<an image with Node 20+>)"
  rm -rf "$ctx"
  trap - EXIT
}

if [ -n "${BASE_IMAGE:-}" ]; then
  base=$BASE_IMAGE
elif [ "${FORCE:-0}" != 1 ] && have_image "$PUBLIC_BASE"; then
  base=$PUBLIC_BASE
else
  [ "${FORCE:-0}" = 1 ] || log "$PUBLIC_BASE is not present (no registry needed): using a local Node base"
  build_local_base
  base=$LOCAL_BASE
fi

# What the build context holds (see .dockerignore), and the base it builds on.
worker_hash=$({
  {
    printf '%s\0' Dockerfile .dockerignore package.json package-lock.json tsconfig.json
    find cmd pkg bin images/worker -type f ! -name '*.test.ts' -print0
  } | hash_files
  printf '%s %s\n' "$base" "$(image_id "$base")"
} | digest)

if [ "${FORCE:-0}" != 1 ] && [ "$(image_label "$WORKER_IMAGE" "$WORKER_HASH_LABEL")" = "$worker_hash" ]; then
  log "$WORKER_IMAGE is up to date (base $base)"
  [ "$(image_id "$WORKER_LATEST")" = "$(image_id "$WORKER_IMAGE")" ] || docker tag "$WORKER_IMAGE" "$WORKER_LATEST"
else
  log "building $WORKER_IMAGE on $base"
  started=$SECONDS
  # -t re-tags atomically: a worker starting meanwhile gets the old image or the new one, never none.
  build --build-arg BASE_IMAGE="$base" --label "$WORKER_HASH_LABEL=$worker_hash" \
    --label org.opencontainers.image.version="$VERSION" --label io.baaaht.base-image="$base" \
    -t "$WORKER_IMAGE" -t "$WORKER_LATEST" . || die "building $WORKER_IMAGE failed"
  log "built $WORKER_IMAGE in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$WORKER_IMAGE" | awk '{printf "%.0f MB", $1 / 1e6}'))"
fi
echo "$WORKER_IMAGE"
