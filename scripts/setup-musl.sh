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
. scripts/setup-lib.sh

# musl-tools brings musl-gcc (a gcc specs wrapper) and musl-dev, and through musl the loader a
# dynamically linked musl binary names as its interpreter.
need_debs musl-tools
quickjs_source

# OpenWrt passes TARGET_CFLAGS as CFLAGS_OPT, which replaces the Makefile's "$(CFLAGS) -O2":
# no -O2, no -g, no -fwrapv, no -flto. Its default TARGET_CFLAGS are "-Os -pipe" plus
# -fstack-protector (CONFIG_PKG_CC_STACKPROTECTOR_REGULAR). LIBS drops the Debian patch's
# -latomic: gcc's libatomic is built for glibc, and x86_64 needs none (OpenWrt links it for
# 32-bit targets lacking 64-bit atomics).
opt=${QJS_MUSL_OPT:--Os -pipe -fstack-protector}
# The backslashes survive into make's recipe shell, which makes the macro a C string.
flags="$opt -D_GNU_SOURCE -DCONFIG_VERSION=\\\"$qjs_version\\\""
libs="-lm -ldl -lpthread"
want="source=$(basename "$qjs_src") cc=musl-gcc cflags_opt=$flags libs=$libs"
build_qjs_copy qjs-musl "$want" CC=musl-gcc CFLAGS_OPT="$flags" LIBS="$libs"
log "qjs-musl: $("$OUT" -h 2>&1 | head -n1), interpreter $LOADER"
