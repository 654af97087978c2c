#!/usr/bin/env bash
# Installs everything netledger needs on a fresh Debian (bookworm) machine, as root.
# Idempotent: each step checks before it acts, so a second run costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS="$ROOT/.tools"
QJS_VERSION_WANT="2025.04.26"

log() { printf 'setup: %s\n' "$*" >&2; }
. scripts/setup-lib.sh

need_debs dnsmasq-base conntrack nftables mosquitto mosquitto-clients dnsutils netcat-openbsd \
          iproute2 valgrind openssl busybox dpkg-dev build-essential gzip
# mosquitto's package starts a system broker on :1883; tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  systemctl stop mosquitto || true
fi

# qjs from Debian trixie's quickjs *source* package (bookworm has none).
if [ ! -x "$TOOLS/bin/qjs" ]; then
  dir=$(deb_source trixie quickjs VERSION)
  mkdir -p "$TOOLS/bin"
  log "building qjs in $dir"
  make -C "$dir" -j"$(nproc)" qjs CONFIG_LTO= >/dev/null
  install -m 0755 "$dir/qjs" "$TOOLS/bin/qjs"
fi
log "qjs: $("$TOOLS/bin/qjs" -h 2>&1 | head -n1)"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  # npm ci refuses a lock that lacks platform-specific optional packages (cbor-extract's
  # prebuilds, a test-only dependency); npm install then resolves them from the same lock.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
fi
log "ready"
