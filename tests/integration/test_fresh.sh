#!/bin/sh
# The README's first command on a fresh machine: `make run` in a clean copy
# of the tree where one -dev package (GMime's) is not installed yet.  Stand-
# ins first on PATH play Debian: dpkg-query and pkg-config report the
# package missing until the apt-get stand-in "installs" it; after that they
# hand over to the real tools.  make run must install it, build, and reach
# the daemon.  A Makefile that asks pkg-config when it is read (before
# `deps` ran) compiles without GMime's include path and fails here.
. "$(dirname "$0")/lib.sh"

if [ -n "${DUTYD_TEST_FAKETIME:-}" ]; then
	# make compares file times with the clock: not under a pretended one.
	echo "$NAME: skipped under faketime (it tests the Makefile, not time)"
	finish; exit
fi

# The tracked files as they are in the work tree: a clean clone of it.
mkdir -p "$T/clone" "$T/fake"
(cd "$TOP" && git ls-files -z | xargs -0 tar -cf - ) | tar -xf - -C "$T/clone"
MISSING=libgmime-3.0-dev
MARK="$T/installed"
REAL_PKGCONFIG=$(command -v pkg-config)
REAL_DPKGQ=$(command -v dpkg-query)

cat > "$T/fake/dpkg-query" <<FAKE
#!/bin/sh
for a; do
	if [ "\$a" = "$MISSING" ] && [ ! -e "$MARK" ]; then
		echo "dpkg-query: no packages found matching $MISSING" >&2
		exit 1
	fi
done
exec "$REAL_DPKGQ" "\$@"
FAKE
# apt-get download installs nothing (tools/etpan-headers.sh): the real one.
cat > "$T/fake/apt-get" <<FAKE
#!/bin/sh
echo "apt-get \$*" >> "$T/apt.log"
[ "\$1" = download ] && exec /usr/bin/apt-get "\$@"
case " \$* " in *" install "*" $MISSING "*) : > "$MARK" ;; esac
exit 0
FAKE
cat > "$T/fake/pkg-config" <<FAKE
#!/bin/sh
echo "pkg-config \$*" >> "$T/pkgconfig.log"
if [ ! -e "$MARK" ]; then
	for a; do case "\$a" in gmime-3.0)
		echo "Package gmime-3.0 was not found in the pkg-config search path." >&2
		exit 1 ;;
	esac; done
fi
exec "$REAL_PKGCONFIG" "\$@"
FAKE
# tools/deps.sh installs only as root; the stand-in apt-get needs no root.
printf '#!/bin/sh\n[ "$1" = -u ] && { echo 0; exit 0; }\nexec /usr/bin/id "$@"\n' \
    > "$T/fake/id"
chmod 755 "$T/fake/"*

port=$(free_port)
sed -i "s#127.0.0.1:18625#127.0.0.1:$port#" "$T/clone/conf/demo.conf"
# setsid: make, the demo script, its SMS stand-in and dutyd form one
# process group, stopped together by its id (make's PID).
(cd "$T/clone" && PATH="$T/fake:$PATH" DEMO_SMS_PORT=$port \
    exec env -u B -u MAKEFLAGS -u MFLAGS -u MAKELEVEL setsid make run) \
    > "$T/run.log" 2>&1 &
RUN=$!
# Stop once dutyd has started and written the first reminders.
i=0
while [ $i -lt 600 ]; do
	grep -q "启动 dutyd" "$T/run.log" 2>/dev/null &&
	    ls "$T/clone/var/outbox/new/" 2>/dev/null | grep -q . && break
	kill -0 "$RUN" 2>/dev/null || break
	sleep 0.2; i=$((i + 1))
done
sleep 0.5
kill -TERM "-$RUN" 2>/dev/null
i=0
while kill -0 "-$RUN" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -KILL "-$RUN" 2>/dev/null
wait "$RUN" 2>/dev/null

expect_in "make run installs the missing package" "install" "$T/apt.log"
expect_in "the install names the missing package" "$MISSING" "$T/apt.log"
check "make run builds dutyd" test -x "$T/clone/build/dutyd"
expect_in "make run reaches the daemon" "启动 dutyd" "$T/run.log"
n=$(ls "$T/clone/var/outbox/new/" 2>/dev/null | wc -l)
check "the demo daemon writes reminders ($n)" test "$n" -gt 0
check "make run writes the report as HTML" test -s "$T/clone/var/report.html"
check "and as a Word document (built template)" test -s "$T/clone/var/report.docx"
if grep -q "gmime.h: No such file" "$T/run.log"; then
	not_ok "compiled without GMime's include path:"
	grep -m3 "gmime.h" "$T/run.log"
fi
# Before deps, a plain `make` says what to do instead of a compiler error.
rm -f "$MARK"
(cd "$T/clone" && PATH="$T/fake:$PATH" \
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make B=build2 > "$T/all.log" 2>&1)
expect_eq "make without the package fails" 2 $?
expect_in "and says to run make deps" "run \`make deps\` as root" "$T/all.log"
# make install as the first command installs the package and builds too.
(cd "$T/clone" && PATH="$T/fake:$PATH" \
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make B=build3 DESTDIR="$T/dest" \
    install > "$T/install.log" 2>&1)
expect_eq "make install as the first command succeeds" 0 $?
check "and installs dutyctl" test -x "$T/dest/usr/local/bin/dutyctl"
check "and the report's Word template" \
    test -s "$T/dest/usr/local/share/dutyd/templates/report.docx"
expect_eq "after installing the package again" 2 \
    "$(grep -c "install.*$MISSING" "$T/apt.log")"
finish
