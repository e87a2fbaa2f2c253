#!/usr/bin/env bash
# The real loop on this machine: an orchestrator and a worker on a Unix socket, then a file_read,
# a grep and a fetch_url (of a page served locally), each in a fresh locked-down container.
# `make demo` runs it after installing what is missing (engine, images, node_modules, build).
set -euo pipefail
cd "$(dirname "$0")/.."

demo=$(mktemp -d /tmp/baaaht-demo.XXXXXX)
sock="$demo/grpc.sock"
addr="unix://$sock"
ws="$demo/workspace"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$demo"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# A workspace owned by an unprivileged user: tasks run as the owner of their mount.
mkdir -p "$ws/src"
printf 'Hello from the demo workspace.\nThe worker read this file inside a container.\n' >"$ws/README.txt"
printf 'def greet():\n    # TODO: say something nicer\n    return "hi"\n' >"$ws/src/app.py"
printf 'const x = 1; // TODO: rename x\n' >"$ws/src/util.js"
chown -R 1000:1000 "$ws"

# A page to fetch, served on the host's address on Docker's bridge (no internet is needed).
bridge=$(ip -4 -o addr show dev docker0 | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1)
node -e '
  const http = require("node:http");
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>baaaht demo</title><h1>It works</h1><p>fetched by a worker container</p>\n");
  });
  server.listen(0, process.argv[1], () => console.log(server.address().port));
' "$bridge" >"$demo/web.port" &
pids+=($!)

say "starting the orchestrator on $addr"
./bin/orchestrator --listen "$addr" --data-dir "$demo/data" --log-output "$demo/orchestrator.log" &
pids+=($!)
say "starting a worker"
./bin/worker --orchestrator-addr "$addr" --name demo-worker --heartbeat-interval 5s --log-output "$demo/worker.log" &
pids+=($!)

for _ in $(seq 1 100); do
  if ./bin/task --orchestrator-addr "$addr" workers 2>/dev/null | grep -q demo-worker; then break; fi
  sleep 0.2
done
./bin/task --orchestrator-addr "$addr" workers
port=$(cat "$demo/web.port")

say "file_read README.txt"
./bin/task --orchestrator-addr "$addr" run file_read --mount "$ws" --param path=README.txt

say "grep -ri 'todo' src (JSON result)"
./bin/task --orchestrator-addr "$addr" run grep --mount "$ws" --param pattern=todo --param path=src \
  --param recursive=true --param ignore_case=true --json

say "fetch_url http://$bridge:$port/"
./bin/task --orchestrator-addr "$addr" run fetch_url --param "url=http://$bridge:$port/"

say "a path that escapes the workspace is refused before any container starts"
./bin/task --orchestrator-addr "$addr" run file_read --mount "$ws" --param path=../../etc/passwd || echo "(exit code $?)"

say "worker log"
tail -n 8 "$demo/worker.log"
say "done: no container is left behind"
docker ps -a --filter label=io.baaaht.managed-by --format '{{.Names}}' | wc -l
