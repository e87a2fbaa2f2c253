#!/usr/bin/env bash
# Regenerates pkg/gen/ from proto/ with protoc (Debian's protobuf-compiler, installed when
# missing; proto3 `optional` needs protoc 3.15 or newer) and ts-proto (npm). Options: nice-grpc
# services over protobufjs messages.
#   scripts/gen-proto.sh           regenerate pkg/gen
#   scripts/gen-proto.sh --check   generate into a temporary directory and fail when pkg/gen
#                                  differs (the test suite runs this: pkg/gen is the proto's)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-write}
if ! command -v protoc >/dev/null 2>&1; then
  echo "[gen-proto] installing Debian's protobuf-compiler" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends protobuf-compiler >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends protobuf-compiler >/dev/null; }
fi
version=$(protoc --version | awk '{print $2}')
case "$version" in
  3.[0-9].*|3.1[0-4].*|2.*) echo "[gen-proto] protoc $version is too old: proto3 optional needs 3.15 or newer" >&2; exit 1 ;;
esac

generate() {
  local out=$1
  rm -rf "$out" && mkdir -p "$out"
  protoc \
    --plugin=protoc-gen-ts_proto=./node_modules/.bin/protoc-gen-ts_proto \
    --ts_proto_out="$out" \
    --ts_proto_opt=outputServices=nice-grpc,outputServices=generic-definitions,useExactTypes=false \
    --ts_proto_opt=esModuleInterop=true,oneof=unions,forceLong=number,env=node,importSuffix=.js,useOptionals=messages \
    -I proto \
    $(find proto -name '*.proto' | sort)
}

case "$mode" in
  write)
    generate pkg/gen
    echo "[gen-proto] generated: $(find pkg/gen -name '*.ts' | tr '\n' ' ')" >&2
    ;;
  --check)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    generate "$tmp/gen"
    # The header names the protoc that ran; the code is what must match.
    if ! diff -r -u -I '^// *protoc ' pkg/gen "$tmp/gen" >"$tmp/diff"; then
      head -40 "$tmp/diff" >&2
      echo "[gen-proto] pkg/gen is not what proto/ generates: run \`make proto\` and commit pkg/gen" >&2
      exit 1
    fi
    echo "[gen-proto] pkg/gen matches proto/ (protoc $version)" >&2
    ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
