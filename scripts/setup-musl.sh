#!/usr/bin/env bash
# Builds .tools/bin/qjs-musl: the same QuickJS source as .tools/bin/qjs (scripts/setup.sh), linked
# against musl instead of glibc, because the router's qjs runs on musl (mallocng) and RSS figures
# depend on the libc. Compiler flags follow OpenWrt's packages feed (lang/quickjs/Makefile), see
# docs/musl.md. Run as root after scripts/setup.sh. Idempotent: a second run only checks.
#   QJS_MUSL_OPT='-O2' bash scripts/setup-musl.sh   rebuilds with other optimisation flags
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
OUT="$TOOLS/bin/qjs-musl"
LOADER="/lib/ld-musl-$(uname -m).so.1"

log() { printf 'setup-musl: %s\n' "$*" >&2; }

# musl-tools brings musl-gcc (a gcc specs wrapper) and musl-dev; the musl package brings the
# loader a dynamically linked musl binary names as its interpreter.
if ! command -v musl-gcc >/dev/null 2>&1 || [ ! -e "$LOADER" ]; then
  log "installing musl-tools"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends musl-tools >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends musl-tools >/dev/null; }
fi

src=$(ls -d "$TOOLS"/src/quickjs-*/ 2>/dev/null | head -n1 || true)
[ -n "$src" ] && [ -f "$src/VERSION" ] || { log "no quickjs source under $TOOLS/src: run scripts/setup.sh first"; exit 1; }
version=$(cat "$src/VERSION")

# OpenWrt passes TARGET_CFLAGS as CFLAGS_OPT, which replaces the Makefile's "$(CFLAGS) -O2":
# no -O2, no -g, no -fwrapv, no -flto. Its default TARGET_CFLAGS are "-Os -pipe" plus
# -fstack-protector (CONFIG_PKG_CC_STACKPROTECTOR_REGULAR). LIBS drops the Debian patch's
# -latomic: gcc's libatomic is built for glibc, and x86_64 needs none (OpenWrt links it for
# 32-bit targets lacking 64-bit atomics).
opt=${QJS_MUSL_OPT:--Os -pipe -fstack-protector}
# The backslashes survive into make's recipe shell, which makes the macro a C string.
flags="$opt -D_GNU_SOURCE -DCONFIG_VERSION=\\\"$version\\\""
libs="-lm -ldl -lpthread"
stamp="$OUT.build"
want="source=$(basename "$src") cc=musl-gcc cflags_opt=$flags libs=$libs"

if [ -x "$OUT" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$OUT" -e '' 2>/dev/null; then
  log "qjs-musl: up to date ($(basename "$src"), $opt)"
  exit 0
fi

# A copy, so the glibc build's objects in $src stay untouched.
build="$TOOLS/build/quickjs-musl"
log "building qjs-musl in $build ($opt)"
rm -rf "$build"
mkdir -p "$TOOLS/build" "$TOOLS/bin"
cp -a "$src" "$build"
make -C "$build" clean >/dev/null
make -C "$build" -j"$(nproc)" CC=musl-gcc CFLAGS_OPT="$flags" LIBS="$libs" qjs >/dev/null
install -m 0755 "$build/qjs" "$OUT"
"$OUT" -e '' || { log "$OUT does not run (loader $LOADER?)"; exit 1; }
printf '%s\n' "$want" > "$stamp"
log "qjs-musl: $("$OUT" -h 2>&1 | head -n1), interpreter $LOADER"
