#!/usr/bin/env bash
# Make sure a Docker engine answers. On a bare machine (client only) install
# Debian's docker.io and start dockerd in the background. Idempotent.
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

if engine_answers; then
  log "engine answers: $(docker version --format '{{.Server.Version}}')"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "no dockerd: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # --no-install-recommends keeps the install small; docker.io brings containerd and runc.
  $SUDO apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
fi

if alive dockerd; then
  log "dockerd is running but not answering yet: waiting for it"
else
  # A dockerd that was killed leaves its pid file behind, and a new one refuses to start.
  $SUDO rm -f /var/run/docker.pid
  alive containerd || $SUDO rm -f /var/run/docker/containerd/containerd.pid
  log "starting dockerd in the background (log: /var/log/baaaht-dockerd.log)"
  $SUDO mkdir -p /etc/docker
  $SUDO setsid dockerd >>/var/log/baaaht-dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if engine_answers; then
    log "engine answers: $(docker version --format '{{.Server.Version}}')"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; last log lines:"
tail -n 30 /var/log/baaaht-dockerd.log >&2 || true
exit 1
