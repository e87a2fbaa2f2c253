#!/usr/bin/env bash
# The whole test suite: unit tests, RPC tests over Unix sockets, and real-Docker tests.
# Brings up what the tests need on a bare machine: node_modules, a Docker engine, the tool images.
#   scripts/test.sh            everything
#   scripts/test.sh unit       pure unit tests only (no engine needed)
set -euo pipefail
cd "$(dirname "$0")/.."

tier=${1:-all}
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/gen-proto.sh --check   # pkg/gen is what proto/ generates
npm run --silent build
npm run --silent typecheck   # the tests too: they are not part of the build
npm run --silent bench:typecheck   # and the benchmark

unit_files=$(find pkg cmd -name '*.test.ts' -not -path '*/node_modules/*' | sort)
rpc_files=$(find test/rpc test/deploy -name '*.test.ts' 2>/dev/null | sort || true)
docker_files=$(find test/docker test/e2e test/faults test/security test/conformance -name '*.test.ts' 2>/dev/null | sort || true)

case "$tier" in
  unit) files="$unit_files" ;;
  rpc) files="$rpc_files" ;;
  docker) files="$docker_files" ;;
  all) files="$unit_files $rpc_files $docker_files" ;;
  *) echo "usage: $0 [all|unit|rpc|docker]" >&2; exit 2 ;;
esac

if [ "$tier" = all ] || [ "$tier" = docker ]; then
  bash scripts/ensure-docker.sh
  bash scripts/build-images.sh
fi

# Docker tests share one engine and two cores: run files one at a time.
# shellcheck disable=SC2086
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec $files
