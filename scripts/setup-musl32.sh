#!/usr/bin/env bash
# Builds .tools/bin/qjs-musl32: the same QuickJS source as .tools/bin/qjs, as a 32-bit x86 (i386)
# binary on musl. Most 128 MB OpenWrt routers are 32-bit MIPS or ARM, where QuickJS NaN-boxes
# (8-byte JSValue, 4-byte pointers), so the agent's heap is smaller than on x86_64; this binary
# measures that on this machine (docs/musl.md). Optional, not run by scripts/setup.sh: it
# installs gcc-multilib. Run as root after scripts/setup.sh. Idempotent: a second run only checks.
#
# musl: Debian's own musl source (bookworm, the version of the musl-tools scripts/setup-musl.sh
# uses), fetched through a private apt state dir (the system's source lists are never edited) and
# built with `gcc -m32` into .tools/musl32, its loader there too (--syslibdir), so nothing is
# installed into /lib and dpkg gets no foreign architecture. qjs-musl32 is dynamically linked
# against that libc.so, as OpenWrt's qjs is; its interpreter is .tools/musl32/lib/ld-musl-i386.so.1
# (an absolute path: after moving the checkout, run this script again).
#   QJS_MUSL32_OPT='-O2' bash scripts/setup-musl32.sh   rebuilds with other optimisation flags
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
OUT="$TOOLS/bin/qjs-musl32"
MUSL="$TOOLS/musl32"
LOADER="$MUSL/lib/ld-musl-i386.so.1"
MUSL_SUITE=bookworm

log() { printf 'setup-musl32: %s\n' "$*" >&2; }
. scripts/setup-lib.sh

# gcc-multilib: gcc -m32 with its 32-bit libgcc and crt files (musl's build and the link need them).
need_debs gcc-multilib
quickjs_source

# --- 32-bit musl -----------------------------------------------------------------------------
# Debian builds its musl package with dpkg-buildflags' flags and hardening=+all (-O2 -g
# -fstack-protector-strong ...); the same here, so the i386 libc differs from the x86_64 one
# qjs-musl links only by the architecture.
musl_cflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS | sed 's/ -ffile-prefix-map=[^ ]*//')
musl_want="suite=$MUSL_SUITE cflags=$musl_cflags prefix=$MUSL"
if [ ! -e "$LOADER" ] || [ ! -x "$MUSL/bin/musl-gcc" ] || [ "$(cat "$MUSL/.build" 2>/dev/null)" != "$musl_want" ]; then
  msrc=$(deb_source "$MUSL_SUITE" musl configure)
  mbuild="$TOOLS/build/musl32"
  log "building 32-bit musl $(basename "$msrc") into $MUSL"
  rm -rf "$mbuild" "$MUSL"
  mkdir -p "$mbuild"
  # Out of tree, so the source stays clean for the next build.
  # --target=i386 alone would make it look for i386-ar; CC's -m32 is what selects the ABI.
  ( cd "$mbuild" && "$msrc/configure" --target=i386 CC='gcc -m32' AR=ar RANLIB=ranlib CFLAGS="$musl_cflags" \
      --prefix="$MUSL" --syslibdir="$MUSL/lib" --enable-wrapper=gcc \
    && make -j"$(nproc)" && make install ) >"$mbuild.log" 2>&1 \
    || { tail -n 30 "$mbuild.log" >&2; log "musl build failed (log: $mbuild.log)"; exit 1; }
  printf '%s\n' "$musl_want" > "$MUSL/.build"
fi

# --- qjs -------------------------------------------------------------------------------------
# As scripts/setup-musl.sh (OpenWrt's packages feed: TARGET_CFLAGS as CFLAGS_OPT, i.e. -Os -pipe
# -fstack-protector, no -O2/-g/-fwrapv/-flto), plus what the Makefile's CONFIG_M32 puts in CFLAGS,
# which CFLAGS_OPT replaces: -m32 (here in CC, so compile, qjsc and link all get it) and
# -msse2 -mfpmath=sse. The latter keeps doubles IEEE double-precision as on MIPS/ARM: x87's 80-bit
# registers would round twice. musl-gcc is musl's gcc specs wrapper (REALGCC is the gcc it runs);
# its specs replace gcc's link spec, which is what turns -m32 into ld's -m elf_i386, hence -Wl.
opt=${QJS_MUSL32_OPT:--Os -pipe -fstack-protector}
flags="$opt -msse2 -mfpmath=sse -D_GNU_SOURCE -DCONFIG_VERSION=\\\"$qjs_version\\\""
# -lssp_nonshared (gcc's, 32-bit multilib): i386 PIC code calls the stack protector through the
# hidden __stack_chk_fail_local, which each executable carries (musl's libc.so cannot export it).
libs="-lm -ldl -lpthread -lssp_nonshared"
cc="$MUSL/bin/musl-gcc -m32 -Wl,-melf_i386"
want="source=$(basename "$qjs_src") musl=$(cat "$MUSL/.build") cc=$cc cflags_opt=$flags libs=$libs"
export REALGCC=gcc
build_qjs_copy qjs-musl32 "$want" CONFIG_M32=y CONFIG_LTO= CC="$cc" CFLAGS_OPT="$flags" LIBS="$libs"
log "qjs-musl32: $("$OUT" -h 2>&1 | head -n1), $(file -b "$OUT" | cut -d, -f1-2), interpreter $LOADER"
