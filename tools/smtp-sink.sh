#!/bin/sh
# Fetch postfix's smtp-sink without installing or running postfix:
#	sh tools/smtp-sink.sh DIR
# downloads the Debian postfix package with `apt-get download` (no root
# needed, nothing installed, no service started), unpacks it into DIR/pf
# with dpkg-deb -x, and prints the command that runs smtp-sink, e.g.
#	env LD_LIBRARY_PATH=DIR/pf/usr/lib/postfix DIR/pf/usr/sbin/smtp-sink
# Run it again and it reuses what is there.
set -eu
dir=$1
sink="$dir/pf/usr/sbin/smtp-sink"
if [ ! -x "$sink" ]; then
	mkdir -p "$dir"
	rm -f "$dir"/postfix_*.deb
	# apt-get download needs the package lists; as root, fetch them
	# once if they are missing.
	if ! (cd "$dir" && apt-get download postfix >/dev/null 2>&1); then
		if [ "$(id -u)" = 0 ]; then
			apt-get update >/dev/null
		fi
		(cd "$dir" && apt-get download postfix >/dev/null)
	fi
	rm -rf "$dir/pf"
	dpkg-deb -x "$dir"/postfix_*.deb "$dir/pf"
	rm -f "$dir"/postfix_*.deb
fi
echo "env LD_LIBRARY_PATH=$dir/pf/usr/lib/postfix $sink"
