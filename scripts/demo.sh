#!/usr/bin/env bash
# The real loop on this machine: an orchestrator and a worker on a Unix socket, then a file_read,
# a grep and a fetch_url (of a page served by a container of the demo's own, on a private Docker
# network the demo's policy allows), each in a fresh locked-down container; then the egress proxy
# refusing the host itself.
# `make demo` runs it after installing what is missing (engine, images, node_modules, build).
set -euo pipefail
cd "$(dirname "$0")/.."

demo=$(mktemp -d /tmp/baaaht-demo.XXXXXX)
sock="$demo/grpc.sock"
addr="unix://$sock"
ws="$demo/workspace"
pids=()
web="baaaht-demo-web-$$"

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  docker rm -f "$web" >/dev/null 2>&1 || true
  docker network rm "$web" >/dev/null 2>&1 || true
  rm -rf "$demo"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# A workspace owned by an unprivileged user, the worker's only mount root: tasks may mount only
# under it, and run as the owner of the directory they mount (--mount-root "$ws:owner").
mkdir -p "$ws/src"
printf 'Hello from the demo workspace.\nThe worker read this file inside a container.\n' >"$ws/README.txt"
printf 'def greet():\n    # TODO: say something nicer\n    return "hi"\n' >"$ws/src/app.py"
printf 'const x = 1; // TODO: rename x\n' >"$ws/src/util.js"
chown -R 1000:1000 "$ws"

# A page to fetch, served by a container (perl from the tools image) on a Docker network of the
# demo's own; its private subnet is allowed by the demo's policy (the egress proxy refuses private
# addresses, and always the host's own, unless a policy allows them).
image=$(./bin/worker --help | awk '/--tools-image/ { found = 1 } found && /default:/ { sub(/.*default: /, ""); sub(/;.*/, ""); print; exit }')
image=${image:-baaaht/tools:0.1.0}
docker network create --label io.baaaht.demo=1 "$web" >/dev/null
docker run -d --name "$web" --network "$web" --label io.baaaht.demo=1 "$image" perl -MIO::Socket::INET -e '
  my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 16, ReuseAddr => 1) or die $!;
  my $body = "<!doctype html><title>baaaht demo</title><h1>It works</h1><p>fetched by a worker container</p>\n";
  while (my $c = $s->accept) { while (<$c>) { last if /^\r?\n$/ } print $c "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body"; close $c }
' >/dev/null
page=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$web\").IPAddress}}" "$web")
subnet=$(docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' "$web")
printf 'egress:\n  allowCidrs: [%s]   # the demo page'"'"'s network\n' "$subnet" >"$demo/policies.yaml"
bridge=$(ip -4 -o addr show dev docker0 | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1)

say "starting the orchestrator on $addr"
./bin/orchestrator --listen "$addr" --data-dir "$demo/data" --log-output "$demo/orchestrator.log" &
pids+=($!)
say "starting a worker"
./bin/worker --orchestrator-addr "$addr" --name demo-worker --heartbeat-interval 5s --policy "$demo/policies.yaml" \
  --mount-root "$ws:owner" --work-dir "$demo/worker" --log-output "$demo/worker.log" &
pids+=($!)

for _ in $(seq 1 100); do
  if ./bin/task --orchestrator-addr "$addr" workers 2>/dev/null | grep -q demo-worker; then break; fi
  sleep 0.2
done
./bin/task --orchestrator-addr "$addr" workers

say "file_read README.txt"
./bin/task --orchestrator-addr "$addr" run file_read --mount "$ws" --param path=README.txt

say "grep -ri 'todo' src (JSON result)"
./bin/task --orchestrator-addr "$addr" run grep --mount "$ws" --param pattern=todo --param path=src \
  --param recursive=true --param ignore_case=true --json

say "fetch_url http://$page:8080/ (a container on $subnet, allowed by the demo's policy)"
./bin/task --orchestrator-addr "$addr" run fetch_url --param "url=http://$page:8080/"

say "fetch_url of the host itself (docker0, $bridge) and of cloud metadata are refused by the egress proxy"
./bin/task --orchestrator-addr "$addr" run fetch_url --param "url=http://$bridge:8080/" || echo "(exit code $?)"
./bin/task --orchestrator-addr "$addr" run fetch_url --param "url=http://169.254.169.254/latest/meta-data/" || echo "(exit code $?)"

say "a path that escapes the workspace is refused before any container starts"
./bin/task --orchestrator-addr "$addr" run file_read --mount "$ws" --param path=../../etc/passwd || echo "(exit code $?)"

say "the worker's own state is never mounted (nor anything outside its mount roots)"
./bin/task --orchestrator-addr "$addr" run list --mount "$demo" --param path=. || echo "(exit code $?)"

say "worker log"
tail -n 8 "$demo/worker.log"
say "done: no container is left behind"
docker ps -a --filter label=io.baaaht.managed-by --format '{{.Names}}' | wc -l
