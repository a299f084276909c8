#!/bin/sh
# Check that daemon modules include only lower layers (STYLE.md section 2)
# and that third-party headers appear only in their owning module.
# Usage: layers.sh [DIR] (default daemon/; tests/layers-selftest.sh runs
# it on copies with one rule broken each).
set -u
cd "$(dirname "$0")/.." || exit 1
D=${1:-daemon}
# A module may span files prefix_*.c with a private prefix_int.h (STYLE.md):
# they share the module's layer.
layer() {
	case "${1%%_*}" in
	err|log|util|model|journal|i18n) echo 0 ;;
	config) echo 1 ;;
	calendar|store|render|mime|net|sign|evidence|smsparam|docx|channels/*) echo 2 ;;
	plan|outbox|mailbox|digest|report|ledger|reply) echo 3 ;;
	engine|cli|gather|dutyd|dutyctl) echo 4 ;;
	*) echo 9 ;;
	esac
}
bad=0
for f in "$D"/*.c "$D"/*.h "$D"/channels/*.c "$D"/channels/*.h; do
	[ -e "$f" ] || continue
	mod=${f#"$D"/}; mod=${mod%.*}
	ml=$(layer "$mod")
	for inc in $(sed -n 's/^#include "\(.*\)\.h"/\1/p' "$f"); do
		case "$inc" in */*) ;; *) [ "${mod%/*}" != "$mod" ] && [ ! -e "$D/$inc.h" ] && inc="${mod%/*}/$inc" ;; esac
		[ "${inc%%_*}" = "${mod%%_*}" ] && continue	# one module
		# A module's files include its own headers (net_imap.c: net.h,
		# mime.c: mime_int.h).
		[ "${inc%%_*}" = "${mod%%_*}" ] && continue
		il=$(layer "$inc")
		if [ "$il" -gt "$ml" ]; then
			echo "layers: $f includes $inc.h (layer $il > $ml)"; bad=1
		fi
		if [ "$ml" = 3 ]; then
			case "$inc" in channels/channel) ;; channels/*)
				echo "layers: service $f includes channel $inc.h"; bad=1 ;;
			esac
		fi
		if [ "$il" = 3 ] && [ "$ml" = 3 ]; then
			echo "layers: service $f includes service $inc.h"; bad=1
		fi
		if [ "$ml" = 2 ] && [ "$il" = 2 ]; then
			case "$mod" in channels/*) case "$inc" in net|mime|sign|smsparam|channels/*) continue ;; esac ;; esac
			# sign is the project's one SHA-256 (OpenSSL): mime
			# hashes each fetched message with it.
			case "$mod" in mime|mime_*) [ "$inc" = sign ] && continue ;; esac
			echo "layers: adapter $f includes adapter $inc.h"; bad=1
		fi
	done
done
# owner HEADER MODULE...: <HEADER> only in those modules' files (a module
# spans prefix.c, prefix_*.c and its private prefix_int.h).
owner() {
	h=$1; shift
	hits=""
	for f in $(grep -l "#include <$h" "$D"/*.c "$D"/*.h "$D"/channels/*.[ch] 2>/dev/null); do
		m=${f#"$D"/}; m=${m%.*}
		okay=0
		for o in "$@"; do
			# shellcheck disable=SC2254
			case "$m" in $o|$o"_"*) okay=1 ;; esac
		done
		[ "$okay" = 1 ] || hits="$hits $f"
	done
	if [ -n "$hits" ]; then echo "layers: <$h> outside $*:$hits"; bad=1; fi
}
owner sqlite3.h store
owner curl/ net
owner libetpan/ net
owner gnutls/ net
owner gmime/ mime
owner uchardet mime
owner libconfig.h config
owner systemd/ dutyd
owner openssl/ sign
owner jansson.h ledger smsparam "channels/*"
owner csv.h ledger
owner iconv.h ledger mime
# libzip and libxml2: the report's .docx and bundle (docx), the Excel
# workbooks (ledger_xlsx.c); libxlsxwriter writes them (ledger_xlsxw.c).
owner zip.h docx ledger_xlsx
owner libxml/ docx ledger_xlsx
owner xlsxwriter ledger_xlsxw
# No hidden process state: only the two entry points touch the environment
# or the process's time zone (STYLE.md section 6).
hits=$(grep -l -E '\b(setenv|unsetenv|putenv|tzset|localtime_r|localtime|mktime)[[:space:]]*\(' "$D"/*.c "$D"/channels/*.c 2>/dev/null | grep -v -E "/(dutyd|dutyctl)\.c$")
if [ -n "$hits" ]; then echo "layers: process-wide environment or time zone outside dutyd.c/dutyctl.c: $hits"; bad=1; fi
# jansson types stay inside .c files (STYLE.md: no third-party type in a header).
hits=$(grep -l '#include <jansson.h>' "$D"/*.h "$D"/channels/*.h 2>/dev/null)
if [ -n "$hits" ]; then echo "layers: <jansson.h> in a header: $hits"; bad=1; fi
[ "$bad" = 0 ] && echo "layers: ok"
exit "$bad"
