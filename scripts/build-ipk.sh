#!/bin/sh
# Builds architecture-independent OpenWrt packages without an OpenWrt SDK:
#   out/netledger_<version>_all.ipk            the agent (bundle, init script, config, rpcd plugin, ACL)
#   out/luci-app-netledger_<version>_all.ipk   the LuCI page
# in the format opkg reads and OpenWrt's scripts/ipkg-build writes: a gzip'd tar (GNU format) of
# ./debian-binary ./data.tar.gz ./control.tar.gz, each inner tar gzip'd too.
# Reproducible: names sorted, owner 0:0, every mtime = SOURCE_DATE_EPOCH (default: the time of
# the last git commit), gzip without names or times. Needs GNU tar and dist/netledger.js
# (`make build`). OUT=<dir> changes the output directory.
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${OUT:-$ROOT/out}

VERSION=$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' package.json | head -n 1)
[ -n "$VERSION" ] || { echo "build-ipk: no version in package.json" >&2; exit 1; }
[ -f dist/netledger.js ] || { echo "build-ipk: dist/netledger.js is missing: run 'make build' first" >&2; exit 1; }
tar --version 2>/dev/null | grep -q 'GNU tar' || { echo "build-ipk: needs GNU tar" >&2; exit 1; }

EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
case "$EPOCH" in ''|*[!0-9]*) echo "build-ipk: bad SOURCE_DATE_EPOCH '$EPOCH'" >&2; exit 1 ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/netledger-ipk.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
umask 022
mkdir -p "$OUT"

# tar as ipkg-build runs it, plus fixed owner and mtime
dtar() {
	tar --format=gnu --numeric-owner --owner=0 --group=0 --sort=name --mtime="@$EPOCH" "$@"
}

# put MODE SRC DEST: copy a file into the package tree with an exact mode
put() {
	install -d -m 0755 "$(dirname "$3")"
	install -m "$1" "$2" "$3"
}

# pack NAME: $WORK/NAME/{data,control} -> $OUT/NAME_VERSION_all.ipk
pack() {
	name=$1
	dir=$WORK/$name
	( cd "$dir/data" && dtar -cf - . ) | gzip -n -9 > "$dir/data.tar.gz"
	size=$(gzip -dc "$dir/data.tar.gz" | wc -c | tr -d ' ')
	sed -i "s/^Installed-Size: .*/Installed-Size: $size/" "$dir/control/control"
	( cd "$dir/control" && dtar -cf - . ) | gzip -n -9 > "$dir/control.tar.gz"
	echo "2.0" > "$dir/debian-binary"
	ipk=$OUT/${name}_${VERSION}_all.ipk
	( cd "$dir" && dtar -cf - ./debian-binary ./data.tar.gz ./control.tar.gz ) | gzip -n -9 > "$ipk"
	echo "$ipk"
}

# control NAME DEPENDS SECTION DESCRIPTION
control() {
	mkdir -p "$WORK/$1/control"
	cat > "$WORK/$1/control/control" <<CONTROL
Package: $1
Version: $VERSION
Depends: $2
Source: feeds/netledger
SourceDateEpoch: $EPOCH
License: GPL-2.0-only
Section: $3
Architecture: all
Installed-Size: 0
Description: $4
CONTROL
	chmod 0644 "$WORK/$1/control/control"
	# the scripts every OpenWrt package carries (include/package-pack.mk)
	cat > "$WORK/$1/control/postinst" <<'SCRIPT'
#!/bin/sh
[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_postinst $0 $@
SCRIPT
	cat > "$WORK/$1/control/prerm" <<'SCRIPT'
#!/bin/sh
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_prerm $0 $@
SCRIPT
	chmod 0755 "$WORK/$1/control/postinst" "$WORK/$1/control/prerm"
}

# --- netledger -------------------------------------------------------------------------------
F=openwrt/files
D=$WORK/netledger/data
control netledger "quickjs" net \
	"Network logging agent: correlated DNS and connection events over MQTT (QuickJS bundle)"
put 0644 dist/netledger.js "$D/usr/share/netledger/netledger.js"
put 0755 "$F/etc/init.d/netledger" "$D/etc/init.d/netledger"
put 0600 "$F/etc/config/netledger" "$D/etc/config/netledger"
put 0755 "$F/usr/libexec/rpcd/netledger" "$D/usr/libexec/rpcd/netledger"
put 0644 "$F/usr/share/rpcd/acl.d/luci-app-netledger.json" "$D/usr/share/rpcd/acl.d/luci-app-netledger.json"
echo "/etc/config/netledger" > "$WORK/netledger/control/conffiles"
# default_postinst sources this; rpcd picks up new exec plugins and ACLs on SIGHUP (reload)
cat > "$WORK/netledger/control/postinst-pkg" <<'SCRIPT'
[ -n "${IPKG_INSTROOT}" ] || {
	/etc/init.d/rpcd reload 2>/dev/null
	exit 0
}
SCRIPT
chmod 0644 "$WORK/netledger/control/conffiles"
chmod 0755 "$WORK/netledger/control/postinst-pkg"
pack netledger

# --- luci-app-netledger ----------------------------------------------------------------------
L=openwrt/luci
D=$WORK/luci-app-netledger/data
control luci-app-netledger "netledger, luci-base" luci "LuCI status and settings page for netledger"
put 0644 "$L/htdocs/luci-static/resources/view/netledger/status.js" "$D/www/luci-static/resources/view/netledger/status.js"
put 0644 "$L/root/usr/share/luci/menu.d/luci-app-netledger.json" "$D/usr/share/luci/menu.d/luci-app-netledger.json"
cat > "$WORK/luci-app-netledger/control/postinst-pkg" <<'SCRIPT'
[ -n "${IPKG_INSTROOT}" ] || {
	rm -f /tmp/luci-indexcache.*
	rm -rf /tmp/luci-modulecache/
	/etc/init.d/rpcd reload 2>/dev/null
	exit 0
}
SCRIPT
chmod 0755 "$WORK/luci-app-netledger/control/postinst-pkg"
pack luci-app-netledger
