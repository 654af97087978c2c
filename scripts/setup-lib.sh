# Shared steps of scripts/setup.sh, setup-musl.sh and setup-musl32.sh (sourced, not run). The
# caller sets TOOLS (the .tools folder) and defines log(). Each step checks before it acts.

# Installs the Debian packages of "$@" that are not installed yet.
need_debs() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# deb_source SUITE PKG MARKER: unpacks Debian SUITE's source package PKG under $TOOLS/src (unless a
# PKG-* folder with the file MARKER is there), through a private apt state dir, so the system's
# source lists are never edited. Prints the folder.
deb_source() {
  local suite=$1 pkg=$2 marker=$3 dir aptdir
  dir=$(ls -d "$TOOLS/src/$pkg"-*/ 2>/dev/null | head -n1 || true)
  if [ -z "$dir" ] || [ ! -e "$dir/$marker" ]; then
    aptdir="$TOOLS/apt-$suite"
    mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$TOOLS/src"
    printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian %s main\n' \
      "$suite" > "$aptdir/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache")
    log "fetching $pkg source from $suite"
    apt-get "${opts[@]}" update -qq >&2
    ( cd "$TOOLS/src" && rm -rf "$pkg"-* "$pkg"_* && apt-get "${opts[@]}" source -qq --download-only "$pkg" 2>/dev/null \
        && dpkg-source --no-check -x "$pkg"_*.dsc >/dev/null ) >&2
    dir=$(ls -d "$TOOLS/src/$pkg"-*/ | head -n1)
  fi
  printf '%s\n' "${dir%/}"
}

# The QuickJS source scripts/setup.sh unpacked (and built .tools/bin/qjs in): sets qjs_src and
# qjs_version.
quickjs_source() {
  qjs_src=$(ls -d "$TOOLS"/src/quickjs-*/ 2>/dev/null | head -n1 || true)
  [ -n "$qjs_src" ] && [ -f "$qjs_src/VERSION" ] || { log "no quickjs source under $TOOLS/src: run scripts/setup.sh first"; exit 1; }
  qjs_src=${qjs_src%/}
  qjs_version=$(cat "$qjs_src/VERSION")
}

# build_qjs_copy NAME WANT MAKE_ARGS...: builds qjs from a copy of $qjs_src in $TOOLS/build/NAME
# (the glibc build's objects stay untouched) and installs it as $TOOLS/bin/NAME, unless the one
# there runs and its stamp ($TOOLS/bin/NAME.build) says WANT: a second run only checks.
build_qjs_copy() {
  local name=$1 want=$2 out="$TOOLS/bin/$1" build="$TOOLS/build/$1"
  shift 2
  if [ -x "$out" ] && [ "$(cat "$out.build" 2>/dev/null)" = "$want" ] && "$out" -e '' 2>/dev/null; then
    log "$name: up to date (stamp $out.build)"
    return 0
  fi
  log "building $name in $build"
  rm -rf "$build"
  mkdir -p "$TOOLS/build" "$TOOLS/bin"
  cp -a "$qjs_src" "$build"
  make -C "$build" clean >/dev/null
  make -C "$build" -j"$(nproc)" "$@" qjs >/dev/null
  install -m 0755 "$build/qjs" "$out"
  "$out" -e '' || { log "$out does not run (its loader?)"; exit 1; }
  printf '%s\n' "$want" > "$out.build"
}
