#!/usr/bin/env bash
# Make sure a Docker engine answers, with gVisor registered as an extra runtime. On a bare
# machine (client only) install Debian's docker.io and start dockerd in the background; install
# Debian's runsc when missing and register it in /etc/docker/daemon.json (merged: other keys are
# kept), then make dockerd load it (SIGHUP when it already runs). Idempotent.
#
# Runtimes registered (both gVisor on the ptrace platform, the one that works on this kind of VM):
#   runsc          --network=none: no network at all, gVisor's strongest form; for every tool
#                  without a network. Web tools are refused under it (the worker does not offer them).
#   runsc-hostnet  --network=host: gVisor with the host kernel's network stack, inside the
#                  container's own network namespace (Docker's network isolation still holds);
#                  for web tools. gVisor's own netstack (--network=sandbox, runsc's default) fails
#                  here: Debian's runsc (2022-12) mistakes every network namespace for the root one
#                  on Linux >= 6.8 (google/gvisor#10704, fixed upstream in 2024).
set -euo pipefail

log() { printf '[ensure-docker] %s\n' "$*" >&2; }

engine_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# Whether a process of that name is alive (a killed one can linger as a zombie where nothing
# reaps it, and its pid file then stops the next start).
alive() {
  local pid
  for pid in $(pgrep -x "$1" 2>/dev/null); do
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] && return 0
  done
  return 1
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

DAEMON_JSON=/etc/docker/daemon.json

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${APT_UPDATED:-}" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  # --no-install-recommends keeps the install small.
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

engine_runtimes() { timeout 10 docker info --format '{{json .Runtimes}}' 2>/dev/null || true; }

# Whether the engine lists both gVisor runtimes.
engine_has_runsc() {
  local runtimes
  runtimes=$(engine_runtimes)
  [[ "$runtimes" == *'"runsc"'* && "$runtimes" == *'"runsc-hostnet"'* ]]
}

# Installs runsc when missing and merges the two runtimes into daemon.json
# (DAEMON_JSON_CHANGED=1 when the file was written).
DAEMON_JSON_CHANGED=""
register_runsc() {
  if ! command -v runsc >/dev/null 2>&1; then
    log "no runsc: installing Debian's runsc (gVisor)"
    apt_install runsc
  fi
  local runsc merged
  runsc=$(command -v runsc)
  $SUDO mkdir -p /etc/docker
  merged=$(RUNSC="$runsc" node -e '
    const fs = require("node:fs");
    const file = process.argv[1];
    let config = {};
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, "utf8").trim();
      config = text === "" ? {} : JSON.parse(text);
    }
    const path = process.env.RUNSC;
    config.runtimes = {
      ...(config.runtimes ?? {}),
      runsc: { path, runtimeArgs: ["--platform=ptrace", "--network=none"] },
      "runsc-hostnet": { path, runtimeArgs: ["--platform=ptrace", "--network=host"] },
    };
    process.stdout.write(JSON.stringify(config, null, 2) + "\n");
  ' "$DAEMON_JSON")
  if [ -f "$DAEMON_JSON" ] && [ "$merged" = "$(cat "$DAEMON_JSON")" ]; then return 0; fi
  log "registering runsc and runsc-hostnet in $DAEMON_JSON"
  printf '%s\n' "$merged" | $SUDO tee "$DAEMON_JSON.tmp" >/dev/null
  $SUDO mv "$DAEMON_JSON.tmp" "$DAEMON_JSON"
  DAEMON_JSON_CHANGED=1
}

# The engine answers: make it load runsc (SIGHUP re-reads daemon.json's runtimes) and wait for it.
ensure_engine_runsc() {
  register_runsc
  if [ -z "$DAEMON_JSON_CHANGED" ] && engine_has_runsc; then return 0; fi
  if ! alive dockerd; then
    log "WARNING: the engine answering is not a local dockerd; cannot register runsc with it"
    return 0
  fi
  log "dockerd reloads its configuration (SIGHUP) to load the runtimes"
  $SUDO kill -HUP $(pgrep -x dockerd)
  for _ in $(seq 1 20); do
    if engine_has_runsc; then log "engine runtimes: $(engine_runtimes)"; return 0; fi
    sleep 0.5
  done
  log "dockerd did not load runsc from $DAEMON_JSON; last log lines:"
  tail -n 20 /var/log/baaaht-dockerd.log >&2 || true
  return 1
}

if engine_answers; then
  log "engine answers: $(docker version --format '{{.Server.Version}}')"
  ensure_engine_runsc
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "no dockerd: installing Debian's docker.io"
  # docker.io brings containerd and runc.
  apt_install docker.io iptables
fi
# Registered before dockerd starts, so it loads runsc at once.
register_runsc

if alive dockerd; then
  log "dockerd is running but not answering yet: waiting for it"
else
  # A dockerd that was killed leaves its pid file behind, and a new one refuses to start.
  $SUDO rm -f /var/run/docker.pid
  alive containerd || $SUDO rm -f /var/run/docker/containerd/containerd.pid
  log "starting dockerd in the background (log: /var/log/baaaht-dockerd.log)"
  $SUDO setsid dockerd >>/var/log/baaaht-dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if engine_answers; then
    log "engine answers: $(docker version --format '{{.Server.Version}}')"
    ensure_engine_runsc
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; last log lines:"
tail -n 30 /var/log/baaaht-dockerd.log >&2 || true
exit 1
