#!/bin/sh
# Each rule of tests/layers.sh can fail: break it once in a copy of
# daemon/ and expect layers.sh to say so.
set -u
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d /tmp/dutyd-layers.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
# case NAME FILE LINE EXPECT: add LINE at the top of FILE, expect EXPECT.
case_() {
	rm -rf "$T/d"
	cp -r daemon "$T/d"
	{ printf '%s\n' "$3"; cat "$T/d/$2"; } > "$T/d/$2.new"
	mv "$T/d/$2.new" "$T/d/$2"
	out=$(sh tests/layers.sh "$T/d" 2>&1)
	if [ $? = 1 ] && echo "$out" | grep -qF -- "$4"; then
		pass=$((pass + 1)); echo "ok   - layers-selftest: $1"
	else
		fail=$((fail + 1)); echo "FAIL - layers-selftest: $1: [$4] not in:"
		echo "$out" | sed 's/^/    | /'
	fi
}
case_ "an upward include" util.c '#include "store.h"' "util.c includes store.h (layer 2 > 0)"
case_ "a service includes a service" plan.c '#include "digest.h"' "service $T/d/plan.c includes service digest.h"
case_ "an adapter includes an adapter" render.c '#include "mime.h"' "adapter $T/d/render.c includes adapter mime.h"
case_ "a service includes a channel" digest.c '#include "channels/sms.h"' "service $T/d/digest.c includes channel channels/sms.h"
case_ "setenv outside the entry points" engine.c 'static void f(void) { setenv("TZ", "UTC", 1); }' "process-wide environment or time zone outside dutyd.c/dutyctl.c: $T/d/engine.c"
case_ "tzset outside the entry points" calendar.c 'static void f(void) { tzset(); }' "process-wide environment or time zone outside dutyd.c/dutyctl.c: $T/d/calendar.c"
case_ "sqlite3 outside store" plan.c '#include <sqlite3.h>' "<sqlite3.h> outside store"
case_ "libcurl outside net" mime.c '#include <curl/curl.h>' "<curl/> outside net"
case_ "jansson outside its owners" cli_feedback.c '#include <jansson.h>' "<jansson.h> outside ledger smsparam channels/*"
case_ "jansson in a header" channels/sms.h '#include <jansson.h>' "<jansson.h> in a header"
case_ "csv.h outside ledger" cli_item.c '#include <csv.h>' "<csv.h> outside ledger"
case_ "libxlsxwriter outside ledger_xlsxw" ledger_xlsx.c '#include <xlsxwriter.h>' "<xlsxwriter> outside ledger_xlsxw"
case_ "iconv.h outside ledger and mime" util.c '#include <iconv.h>' "<iconv.h> outside ledger mime"
case_ "libconfig outside config" cli.c '#include <libconfig.h>' "<libconfig.h> outside config"
case_ "libetpan outside net" mime.c '#include <libetpan/libetpan.h>' "<libetpan/> outside net"
case_ "uchardet outside mime" net.c '#include <uchardet/uchardet.h>' "<uchardet> outside mime"
case_ "libzip outside docx and ledger_xlsx" report.c '#include <zip.h>' "<zip.h> outside docx ledger_xlsx"
case_ "libzip in another ledger file" ledger_date.c '#include <zip.h>' "<zip.h> outside docx ledger_xlsx"
case_ "libxml2 outside docx and ledger_xlsx" render.c '#include <libxml/tree.h>' "<libxml/> outside docx ledger_xlsx"
case_ "a module's file includes another adapter" net_imap.c '#include "mime.h"' "adapter $T/d/net_imap.c includes adapter mime.h"
# A module's own files share its owner's rights: store_x.c may use sqlite3.
rm -rf "$T/d"; cp -r daemon "$T/d"
printf '#include <sqlite3.h>\n' > "$T/d/store_extra.c"
if sh tests/layers.sh "$T/d" > /dev/null 2>&1; then
	pass=$((pass + 1)); echo "ok   - layers-selftest: store_extra.c may include sqlite3.h"
else
	fail=$((fail + 1)); echo "FAIL - layers-selftest: store_extra.c may include sqlite3.h"
fi
# The Excel code reads and writes workbooks with libzip too.
rm -rf "$T/d"; cp -r daemon "$T/d"
printf '#include <zip.h>\n' > "$T/d/ledger_xlsx_extra.c"
if sh tests/layers.sh "$T/d" > /dev/null 2>&1; then
	pass=$((pass + 1)); echo "ok   - layers-selftest: ledger_xlsx_extra.c may include zip.h"
else
	fail=$((fail + 1)); echo "FAIL - layers-selftest: ledger_xlsx_extra.c may include zip.h"
fi
echo "layers-selftest: $pass passed, $fail failed"
[ "$fail" = 0 ]
