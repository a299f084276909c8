#!/bin/sh
# The systemd unit and `make install`: the hardening score holds, the unit
# verifies against the installed binaries and man pages, the sysusers and
# tmpfiles snippets create the user and /etc/dutyd, `make install DESTDIR`
# produces the whole tree, and the man pages render cleanly.
. "$(dirname "$0")/lib.sh"

UNIT="$TOP/systemd/dutyd.service"

# --- hardening: systemd-analyze security, held with --threshold -----------
real_clock systemd-analyze security --offline=true --threshold=15 "$UNIT" \
    > "$T/security.out" 2>&1
expect_eq "security exposure is at most 1.5 (--threshold=15)" 0 $?
score=$(sed -n 's/.*Overall exposure level for dutyd.service: \([0-9.]*\).*/\1/p' "$T/security.out")
expect_eq "security exposure is 1.1" "1.1" "$score"
# The threshold really fails a weaker unit.
mkdir -p "$T/weak" "$T/broken"
grep -v -e '^PrivateUsers=' -e '^ProtectProc=' -e '^ProcSubset=' \
    -e '^PrivateMounts=' -e '^RemoveIPC=' -e '^DevicePolicy=' \
    -e '^SystemCallFilter=' "$UNIT" > "$T/weak/dutyd.service"
real_clock systemd-analyze security --offline=true --threshold=15 \
    "$T/weak/dutyd.service" > "$T/weak.out" 2>&1
expect_eq "a unit without those settings fails the threshold" 1 $?

# --- make install DESTDIR: the complete tree -------------------------------
make -s -C "$TOP" install B="$B" DESTDIR="$T/dest" > "$T/install.out" 2>&1
expect_eq "make install DESTDIR succeeds" 0 $?
(cd "$T/dest" && find . -type f | sort) > "$T/tree"
cat > "$T/tree.want" <<TREE
./usr/local/bin/dutyctl
./usr/local/lib/systemd/system/dutyd.service
./usr/local/lib/sysusers.d/dutyd.conf
./usr/local/lib/tmpfiles.d/dutyd.conf
./usr/local/sbin/dutyd
./usr/local/share/doc/dutyd/README.md
./usr/local/share/doc/dutyd/dutyd.conf.example
./usr/local/share/locale/zh_CN/LC_MESSAGES/dutyd.mo
./usr/local/share/dutyd/templates/README.md
./usr/local/share/dutyd/templates/reminder.html
./usr/local/share/dutyd/templates/reminder.subject.txt
./usr/local/share/dutyd/templates/reminder.txt
./usr/local/share/man/man1/dutyctl.1
./usr/local/share/man/man5/dutyd.conf.5
./usr/local/share/man/man8/dutyd.8
TREE
for f in $(cat "$T/tree.want"); do
	grep -qxF "$f" "$T/tree" || not_ok "installed tree lacks $f"
done
expect_eq "installed tree holds every file" \
    "$(wc -l < "$T/tree.want")" "$(grep -cxF -f "$T/tree.want" "$T/tree")"
expect_eq "dutyd is installed executable" yes \
    "$([ -x "$T/dest/usr/local/sbin/dutyd" ] && echo yes)"

# --- systemd-analyze verify on the installed unit --------------------------
# PREFIX into the test directory, so ExecStart= names a real binary and
# Documentation=man: finds the installed pages.
make -s -C "$TOP" install B="$B" PREFIX="$T/prefix" > "$T/install2.out" 2>&1
U="$T/prefix/lib/systemd/system/dutyd.service"
expect_in "the installed unit runs the installed dutyd" \
    "ExecStart=$T/prefix/sbin/dutyd -c /etc/dutyd/dutyd.conf" "$U"
MANPATH="$T/prefix/share/man:" real_clock systemd-analyze verify "$U" > "$T/verify.out" 2>&1
rc=$?
expect_eq "systemd-analyze verify accepts the unit" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/    | /' "$T/verify.out"
sed 's#^ExecStart=.*#ExecStart=/nonexistent/dutyd#' "$U" > "$T/broken/dutyd.service"
MANPATH="$T/prefix/share/man:" real_clock systemd-analyze verify "$T/broken/dutyd.service" > "$T/broken.out" 2>&1
expect_eq "verify fails a unit whose binary is missing" 1 $?

# --- sysusers and tmpfiles into a scratch root ------------------------------
mkdir -p "$T/root/etc"
systemd-sysusers --root="$T/root" "$T/prefix/lib/sysusers.d/dutyd.conf" \
    > "$T/sysusers.out" 2>&1
expect_in "sysusers creates the dutyd user" "dutyd:x:" "$T/root/etc/passwd"
if [ "$(id -u)" = 0 ]; then
	systemd-tmpfiles --root="$T/root" --create \
	    "$T/prefix/lib/tmpfiles.d/dutyd.conf" > "$T/tmpfiles.out" 2>&1
	gid=$(sed -n 's/^dutyd:x:\([0-9]*\):.*/\1/p' "$T/root/etc/group")
	expect_eq "tmpfiles makes /etc/dutyd root:dutyd 0750" "750 0 $gid" \
	    "$(stat -c '%a %u %g' "$T/root/etc/dutyd")"
fi

# --- man pages: lint-clean and readable with man -l -------------------------
for m in dutyd.8 dutyctl.1 dutyd.conf.5; do
	f="$T/prefix/share/man/man${m##*.}/$m"
	real_clock mandoc -T lint -W warning "$f" > "$T/lint.out" 2>&1
	expect_eq "mandoc -T lint finds nothing in $m" "0:" "$?:$(cat "$T/lint.out")"
	LC_ALL=C.UTF-8 groff -k -w all -man -Tutf8 "$f" 2>"$T/groff.err" >/dev/null
	expect_eq "groff -w all warns nothing for $m" "" "$(cat "$T/groff.err")"
	LC_ALL=C.UTF-8 MANWIDTH=80 real_clock man -l "$f" > "$T/man.out" 2>&1
	expect_in "man -l $m shows its NAME section" "NAME" "$T/man.out"
done
LC_ALL=C.UTF-8 MANWIDTH=80 real_clock man -l "$T/prefix/share/man/man1/dutyctl.1" > "$T/man.out" 2>&1
expect_in "dutyctl(1) documents backup" "backup file [--force]" "$T/man.out"
LC_ALL=C.UTF-8 MANWIDTH=80 real_clock man -l "$T/prefix/share/man/man5/dutyd.conf.5" > "$T/man.out" 2>&1
expect_in "dutyd.conf(5) documents credentials" "credential:name" "$T/man.out"

finish
