#!/bin/sh
# dutyctl item evidence rm CODE HASH --reason R: only the office (admin)
# or a leader of the measure's owner may remove evidence (others: 77,
# nothing changes); the audit names the person and the reason; the file
# stays on disk while another measure holds the same file.  dutyctl
# backup FILE copies the evidence files into FILE.evidence/ and says when
# one it should hold is missing.
. "$(dirname "$0")/lib.sh"

cat > "$T/s.conf" <<CONF
general = { database = "$T/s.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "wang"; name = "王立群"; email = "wang@example.org";
	  roles = [ "principal" ]; },
	{ key = "li"; name = "李娜"; email = "li@example.org";
	  roles = [ "leader" ]; leaders = [ "wang" ]; unix_user = "lina"; },
	{ key = "zhang"; name = "张伟"; email = "zhang@example.org";
	  leaders = [ "li" ]; unix_user = "zhangw"; },
	{ key = "ban"; name = "办公室"; email = "ban@example.org";
	  roles = [ "admin" ]; unix_user = "bgs"; }
);
maildir = { path = "$T/md"; };
CONF
C="$DUTYCTL -c $T/s.conf"
q() { sqlite3 "$T/s.db" "$1"; }
as() { u=$1; shift; env SUDO_USER="$u" "$DUTYCTL" -c "$T/s.conf" "$@"; }
$C init > /dev/null
for n in 1 2; do
	$C item add --problem 一 --problem-title "学习不深入" --code 一-$n \
	    --text "制定学习计划$n" --owner zhang --deadline 2026-12-31 > /dev/null
done
printf '纪要\n' > "$T/纪要.pdf"
printf 'photo\n' > "$T/照片.jpg"
$C item evidence add 一-1 --file "$T/纪要.pdf" --file "$T/照片.jpg" > /dev/null
$C item evidence add 一-2 --file "$T/纪要.pdf" > /dev/null
H=$(sha256sum "$T/纪要.pdf" | cut -d' ' -f1)
P=$(sha256sum "$T/照片.jpg" | cut -d' ' -f1)
EV="$T/evidence"
a0=$(q 'select count(*) from audit')

as zhangw item evidence rm 一-1 "$H" --reason "传错了" > "$T/out" 2>&1
expect_eq "the owner may not remove evidence: 77" 77 $?
expect_in "and is told who can" \
    "一-1: 张伟 is neither an admin nor a leader of its owner: ask the office or the leader to do this" "$T/out"
as lina item evidence rm 一-1 "$H" > "$T/out" 2>&1
expect_eq "without --reason: usage" 64 $?
expect_eq "nothing was removed or audited" "3|$a0" \
    "$(q "select (select count(*) from evidence_file)||'|'||(select count(*) from audit)")"

as lina item evidence rm 一-1 "$(echo "$H" | cut -c1-12)" --reason "传错了" > "$T/out" 2>&1
expect_eq "the owner's leader removes it, by the 12 digits item show prints" 0 $?
expect_in "told it stays on disk for the other measure" \
    "一-1: evidence file 纪要.pdf removed; kept in $EV, as 1 other measure(s) hold the same file" "$T/out"
check "the file is still there" test -s "$EV/$(echo "$H" | cut -c1-2)/$H"
expect_eq "the audit names the person, the file and the reason" \
    "root (sudo: lina) (李娜)|evidence.rm|一-1|file=纪要.pdf; sha256=$H|removed; reason=传错了" \
    "$(q 'select who, action, object, before, after from audit order by id desc limit 1')"
$C item show 一-1 > "$T/show.out" 2>&1
if grep -q "纪要.pdf" "$T/show.out"; then not_ok "item show no longer lists it"
else ok "item show no longer lists it"; fi
as lina item evidence rm 一-1 "$H" --reason "again" > "$T/out" 2>&1
expect_eq "removing it twice: 65" 65 $?
expect_in "saying so" "一-1 has no evidence file $H" "$T/out"

as bgs item evidence rm 一-2 "$H" --reason "材料有误" > "$T/out" 2>&1
expect_eq "the office (admin) removes the last holder" 0 $?
expect_in "and the file goes" "一-2: evidence file 纪要.pdf removed and deleted from $EV" "$T/out"
check "from the disk" test ! -e "$EV/$(echo "$H" | cut -c1-2)/$H"

$C backup "$T/bk.db" > "$T/bk.out" 2>&1
expect_eq "backup exits 0" 0 $?
expect_in "it says where the evidence went" \
    "evidence: 1 file(s), 6 bytes, copied from $EV to $T/bk.db.evidence" "$T/bk.out"
check "the evidence is in the backup, byte for byte" \
    cmp -s "$T/照片.jpg" "$T/bk.db.evidence/$(echo "$P" | cut -c1-2)/$P"
expect_eq "private, as in the evidence directory" "700 600" \
    "$(stat -c %a "$T/bk.db.evidence") $(stat -c %a "$T/bk.db.evidence/$(echo "$P" | cut -c1-2)/$P")"
$C backup "$T/bk2.db" > /dev/null 2>&1
rm "$T/bk2.db"
$C backup "$T/bk2.db" > "$T/out" 2>&1
expect_eq "an existing FILE.evidence is kept without --force" 65 $?
rm "$EV/$(echo "$P" | cut -c1-2)/$P"
$C backup "$T/bk3.db" > "$T/bk3.out" 2>&1
expect_eq "a recorded file missing from the disk: the backup fails (74)" 74 $?
expect_in "naming it" "evidence file $P is missing in $EV: not in the backup" "$T/bk3.out"
# An evidence rm and an add of the same content take the evidence
# directory's lock around "row + bytes": the rm waits while it is held
# (its row stays), the add too, and whichever goes first the added row
# ends with its bytes on disk (the rm used to unlink them under it).
printf 'race\n' > "$T/race.pdf"
R=$(sha256sum "$T/race.pdf" | cut -d' ' -f1)
$C item evidence add 一-1 --file "$T/race.pdf" > /dev/null
exec 9> "$EV/.lock"
flock -x 9
as bgs item evidence rm 一-1 "$R" --reason "换一项" > "$T/race-rm.out" 2>&1 9>&- &
rm_pid=$!
sleep 1
check "the rm waits for the lock" kill -0 $rm_pid
expect_eq "and has not removed the row yet" 1 \
    "$(q "select count(*) from evidence_file where hash = '$R'")"
$C item evidence add 一-2 --file "$T/race.pdf" > "$T/race-add.out" 2>&1 9>&- &
add_pid=$!
sleep 1
check "the add waits too" kill -0 $add_pid
flock -u 9
exec 9>&-
wait $rm_pid
expect_eq "the rm then succeeds" 0 $?
wait $add_pid
expect_eq "so does the add" 0 $?
expect_eq "一-2 holds the file" 1 "$(q "select count(*) from evidence_file e
    join measure m on m.id = e.measure_id where m.code = '一-2' and
    e.hash = '$R'")"
check "and its bytes are on disk" cmp -s "$T/race.pdf" \
    "$EV/$(echo "$R" | cut -c1-2)/$R"
check "the lock file is private" test "$(stat -c %a "$EV/.lock")" = 600
finish
