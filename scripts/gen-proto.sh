#!/usr/bin/env bash
# Regenerates pkg/gen/ from proto/ with protoc (Debian's protobuf-compiler, installed when
# missing) and ts-proto (npm). Options: nice-grpc services over protobufjs messages.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v protoc >/dev/null 2>&1; then
  echo "[gen-proto] installing Debian's protobuf-compiler" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
fi
rm -rf pkg/gen && mkdir -p pkg/gen
protoc \
  --plugin=protoc-gen-ts_proto=./node_modules/.bin/protoc-gen-ts_proto \
  --ts_proto_out=pkg/gen \
  --ts_proto_opt=outputServices=nice-grpc,outputServices=generic-definitions,useExactTypes=false \
  --ts_proto_opt=esModuleInterop=true,oneof=unions,forceLong=number,env=node,importSuffix=.js,useOptionals=messages \
  -I proto \
  $(find proto -name '*.proto' | sort)
echo "[gen-proto] generated: $(find pkg/gen -name '*.ts' | tr '\n' ' ')" >&2
