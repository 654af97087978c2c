#!/usr/bin/env bash
# Installs everything netledger needs on a fresh Debian (bookworm) machine, as root.
# Idempotent: each step checks before it acts, so a second run costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS="$ROOT/.tools"
QJS_VERSION_WANT="2025.04.26"

log() { printf 'setup: %s\n' "$*" >&2; }

need_pkgs=()
for p in dnsmasq-base conntrack nftables mosquitto mosquitto-clients dnsutils netcat-openbsd \
         iproute2 valgrind openssl busybox dpkg-dev build-essential gzip; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
# mosquitto's package starts a system broker on :1883; tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  systemctl stop mosquitto || true
fi

# qjs from Debian trixie's quickjs *source* package, through a private apt state dir so the
# system's source lists are never edited.
if [ ! -x "$TOOLS/bin/qjs" ]; then
  APTDIR="$TOOLS/apt"
  mkdir -p "$APTDIR/lists/partial" "$TOOLS/src" "$TOOLS/bin"
  cat > "$APTDIR/sources.list" <<LIST
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
LIST
  APTOPTS=(-o "Dir::Etc::SourceList=$APTDIR/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
           -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache")
  mkdir -p "$APTDIR/cache/archives/partial"
  log "fetching quickjs source from trixie"
  apt-get "${APTOPTS[@]}" update -qq
  ( cd "$TOOLS/src" && rm -rf quickjs-* quickjs_* && apt-get "${APTOPTS[@]}" source -qq --download-only quickjs \
      && dpkg-source --no-check -x quickjs_*.dsc >/dev/null )
  dir=$(ls -d "$TOOLS"/src/quickjs-*/ | head -n1)
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
