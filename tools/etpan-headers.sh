#!/bin/sh
# The libetpan headers without installing libetpan-dev:
#	sh tools/etpan-headers.sh DIR
# Debian's libetpan-dev depends on libcurl4-gnutls-dev, which conflicts
# with the libcurl4-openssl-dev dutyd builds with (make deps would take
# one out to put the other in).  The library itself (libetpan20) is an
# ordinary package in DEB_PKGS; its headers come from the -dev package,
# fetched with `apt-get download` (nothing installed) and unpacked into
# DIR/usr/include/libetpan.  dutyd links -l:libetpan.so.20.
# Run it again and it reuses what is there.
set -eu
dir=$1
if [ ! -e "$dir/usr/include/libetpan/libetpan.h" ]; then
	mkdir -p "$dir"
	rm -f "$dir"/libetpan-dev_*.deb
	if ! (cd "$dir" && apt-get download libetpan-dev >/dev/null 2>&1); then
		if [ "$(id -u)" = 0 ]; then
			apt-get update >/dev/null
		fi
		(cd "$dir" && apt-get download libetpan-dev >/dev/null)
	fi
	set -- "$dir"/libetpan-dev_*.deb
	if [ ! -e "$1" ]; then
		echo "tools/etpan-headers.sh: apt-get download libetpan-dev" \
		    "gave nothing (run apt-get update as root)" >&2
		exit 1
	fi
	dpkg-deb -x "$1" "$dir/x"
	mkdir -p "$dir/usr/include"
	rm -rf "$dir/usr/include/libetpan"
	mv "$dir/x/usr/include/libetpan" "$dir/usr/include/libetpan"
	rm -rf "$dir/x" "$dir"/libetpan-dev_*.deb
	# Newer than this script, so make does not unpack it again.
	touch "$dir/usr/include/libetpan/libetpan.h"
fi
