#!/usr/bin/env bash
# Build the images the tools run in, from Debian packages only (no registry is needed).
#   baaaht/debian-base:bookworm   debootstrap --variant=minbase, imported with `docker import`
#   baaaht/tools:<version>        FROM the base: GNU grep/find/coreutils, perl-base, curl, our fs helper
# Idempotent: an image that exists is kept unless FORCE=1; the tools image is also rebuilt when
# the files in images/tools/ changed since it was built (their hash is its label
# io.baaaht.tools-source-hash), so that no machine keeps running a stale helper.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[build-images] %s\n' "$*" >&2; }

BASE_IMAGE=${BASE_IMAGE:-baaaht/debian-base:bookworm}
TOOLS_VERSION=$(node -p "require('./package.json').version")
TOOLS_IMAGE=${TOOLS_IMAGE:-baaaht/tools:${TOOLS_VERSION}}
SUITE=${DEBIAN_SUITE:-bookworm}
MIRROR=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }
# A hash of every file under images/tools/ (names and contents), in a stable order.
tools_source_hash() {
  (cd images/tools && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-32
}

if [ "${FORCE:-0}" = 1 ] || ! have_image "$BASE_IMAGE"; then
  command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  root=$(mktemp -d /tmp/baaaht-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  log "debootstrap $SUITE from $MIRROR (about a minute)"
  debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >/tmp/baaaht-debootstrap.log 2>&1 || {
    tail -n 30 /tmp/baaaht-debootstrap.log >&2; exit 1; }
  # Keep the image's apt pointed at the same mirror so that `docker build` can install packages.
  echo "deb $MIRROR $SUITE main" >"$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  log "importing $BASE_IMAGE"
  tar -C "$root" -c . | docker import - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"; trap - EXIT
else
  log "$BASE_IMAGE exists"
fi

TOOLS_HASH=$(tools_source_hash)
built_hash=$(docker image inspect -f '{{index .Config.Labels "io.baaaht.tools-source-hash"}}' "$TOOLS_IMAGE" 2>/dev/null || true)
if [ "${FORCE:-0}" = 1 ] || ! have_image "$TOOLS_IMAGE" || [ "$built_hash" != "$TOOLS_HASH" ]; then
  if have_image "$TOOLS_IMAGE" && [ "${FORCE:-0}" != 1 ]; then
    log "images/tools/ changed since $TOOLS_IMAGE was built: rebuilding"
  fi
  log "building $TOOLS_IMAGE"
  # -t re-tags atomically: tasks starting meanwhile use the old image or the new one, never none.
  docker build -q --build-arg BASE_IMAGE="$BASE_IMAGE" --label io.baaaht.tools-source-hash="$TOOLS_HASH" \
    -t "$TOOLS_IMAGE" -t baaaht/tools:latest images/tools >/dev/null
else
  log "$TOOLS_IMAGE exists and matches images/tools/"
fi
log "ready: $TOOLS_IMAGE"
