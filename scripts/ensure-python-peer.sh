#!/usr/bin/env bash
# The Python peer of the conformance tests (test/conformance/python/): Debian's protoc, its gRPC
# Python plugin and Debian's Python gRPC runtime, and Python stubs generated from
# proto/agent/v1/agent.proto into build/python-peer/ (git-ignored). Idempotent: installs only what
# is missing and regenerates only when the proto or the compiler changed; a second run takes well
# under a second.
#
# Debian 12 packages (apt-get; `apt-get update` once, only when a package is not found):
#   python3                 /usr/bin/python3, the interpreter the Debian modules below are for
#                           (a python3 earlier on PATH, e.g. pyenv's, does not see them)
#   protobuf-compiler       protoc (3.21: proto3 `optional` needs >= 3.15)
#   protobuf-compiler-grpc  grpc_python_plugin, used as protoc-gen-grpc
#   python3-grpcio          the gRPC runtime (import grpc)
#   python3-protobuf        the protobuf runtime (import google.protobuf)
# Not python3-grpc-tools: the protoc bundled in it is too old for proto3 `optional`.
#
# Generated code and runtime must agree: code from protoc >= 3.20 imports
# google.protobuf.internal.builder, which an older runtime lacks. Debian builds protoc and
# python3-protobuf from the same source package (protobuf 3.21.12 in bookworm), so the script
# uses Debian's own /usr/bin/protoc (not another protoc earlier on PATH) and refuses to go on
# when the runtime is older than the compiler.
#
# Prints the stub directory (for PYTHONPATH) on stdout; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[ensure-python-peer] %s\n' "$*" >&2; }

PYTHON=/usr/bin/python3
PROTOC=/usr/bin/protoc
PLUGIN=/usr/bin/grpc_python_plugin
PROTO=proto/agent/v1/agent.proto
OUT=build/python-peer
PACKAGES=(python3 protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

missing=()
for package in "${PACKAGES[@]}"; do installed "$package" || missing+=("$package"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian's ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  if ! apt_install 2>/dev/null; then
    log "not found in the package lists: apt-get update, then again"
    $SUDO apt-get update -qq
    apt_install
  fi
fi
for tool in "$PYTHON" "$PROTOC" "$PLUGIN"; do
  [ -x "$tool" ] || { log "$tool is missing although its package is installed"; exit 1; }
done

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9 # two test runs at once: one generates, the other waits and finds it done

protoc_version=$("$PROTOC" --version | awk '{print $2}')
runtime_version=$("$PYTHON" -c 'import google.protobuf as p; print(p.__version__)')
# protoc 3.21.12 is the 21.12 release of the runtime: compare on the last two parts.
older=$("$PYTHON" - "$runtime_version" "$protoc_version" <<'EOF'
import sys
def release(v): return tuple(int(x) for x in v.split('.')[-2:])
print('yes' if release(sys.argv[1]) < release(sys.argv[2]) else 'no')
EOF
)
if [ "$older" = yes ]; then
  log "python3-protobuf $runtime_version is older than protoc $protoc_version: code from this protoc does not load in that runtime; install matching versions (both from Debian)"
  exit 1
fi

stamp="$OUT/.stamp"
want="$(sha256sum "$PROTO" | awk '{print $1}') protoc=$protoc_version plugin=$(sha256sum "$PLUGIN" | awk '{print $1}')"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -f "$OUT/agent/v1/agent_pb2_grpc.py" ]; then
  log "generating Python stubs from $PROTO with protoc $protoc_version into $OUT"
  rm -rf "$OUT/agent"
  "$PROTOC" -I proto --python_out="$OUT" --grpc_out="$OUT" --plugin=protoc-gen-grpc="$PLUGIN" "$PROTO"
  printf '%s\n' "$want" >"$stamp"
fi

# The stubs must load in Debian's interpreter with Debian's runtime (and know protocol v2).
if ! check=$(PYTHONPATH="$PWD/$OUT" "$PYTHON" -c '
import grpc, google.protobuf
from agent.v1 import agent_pb2, agent_pb2_grpc
assert "protocol_version" in agent_pb2.RegisterRequest.DESCRIPTOR.fields_by_name
assert hasattr(agent_pb2_grpc, "TaskServiceStub") and hasattr(agent_pb2_grpc, "AgentServiceServicer")
print("grpcio", grpc.__version__, "protobuf", google.protobuf.__version__)
' 2>&1); then
  log "the generated stubs do not import with $PYTHON: $check"
  exit 1
fi
log "ready: $check, protoc $protoc_version"
echo "$PWD/$OUT"
