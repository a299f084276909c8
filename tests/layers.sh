#!/bin/sh
# Check that daemon modules include only lower layers (STYLE.md section 2)
# and that third-party headers appear only in their owning module.
set -u
cd "$(dirname "$0")/.." || exit 1
layer() {
	case "$1" in
	err|log|util|model|journal) echo 0 ;;
	config) echo 1 ;;
	calendar|store|render|mime|mime_*|net|net_*|sign|channels/*) echo 2 ;;
	plan|outbox|mailbox|digest|report|ledger) echo 3 ;;
	engine|cli|dutyd|dutyctl) echo 4 ;;
	*) echo 9 ;;
	esac
}
bad=0
for f in daemon/*.c daemon/*.h daemon/channels/*.c daemon/channels/*.h; do
	[ -e "$f" ] || continue
	mod=${f#daemon/}; mod=${mod%.*}
	ml=$(layer "$mod")
	for inc in $(sed -n 's/^#include "\(.*\)\.h"/\1/p' "$f"); do
		case "$inc" in */*) ;; *) [ "${mod%/*}" != "$mod" ] && [ ! -e "daemon/$inc.h" ] && inc="${mod%/*}/$inc" ;; esac
		[ "$inc" = "$mod" ] && continue
		# A module spanning prefix_*.c files includes its own headers.
		[ "${inc%%_*}" = "${mod%%_*}" ] && continue
		il=$(layer "$inc")
		if [ "$il" -gt "$ml" ]; then
			echo "layers: $f includes $inc.h (layer $il > $ml)"; bad=1
		fi
		if [ "$il" = 3 ] && [ "$ml" = 3 ]; then
			echo "layers: service $f includes service $inc.h"; bad=1
		fi
		if [ "$ml" = 2 ] && [ "$il" = 2 ]; then
			case "$mod" in channels/*) case "$inc" in net|mime|sign|channels/*) continue ;; esac ;; esac
			echo "layers: adapter $f includes adapter $inc.h"; bad=1
		fi
	done
done
owner() { # header module
	hits=$(grep -l "#include <$1" daemon/*.c daemon/*.h daemon/channels/*.[ch] 2>/dev/null | grep -v "^daemon/$2\.c$")
	if [ -n "$hits" ]; then echo "layers: <$1> outside $2.c: $hits"; bad=1; fi
}
owner sqlite3.h store
owner curl/ net
owner libetpan/ net_imap
owner gnutls/ net_imap
owner gmime/ mime
owner uchardet/ mime_charset
owner libconfig.h config
owner systemd/ dutyd
owner openssl/ sign
# jansson types stay inside .c files (STYLE.md: no third-party type in a header).
hits=$(grep -l '#include <jansson.h>' daemon/*.h daemon/channels/*.h 2>/dev/null)
if [ -n "$hits" ]; then echo "layers: <jansson.h> in a header: $hits"; bad=1; fi
[ "$bad" = 0 ] && echo "layers: ok"
exit "$bad"
