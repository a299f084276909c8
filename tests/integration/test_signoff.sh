#!/bin/sh
# Who may sign off (销号), reopen and extend: with people.unix_user set, a
# person with the admin or principal role or a leader of the measure's
# owner; anyone else gets a clear refusal (exit 77) and nothing changes;
# the audit names the person.  sudo is played by SUDO_USER as root (what
# sudo sets); root itself stays the system's administrator.
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
$C item add --problem 一 --problem-title "学习不深入" --code 一-1 \
    --text "制定学习计划" --owner zhang --deadline 2026-12-31 > /dev/null
a0=$(q 'select count(*) from audit')

as zhangw item done 一-1 --evidence "计划已印发" > "$T/out" 2>&1
expect_eq "the owner cannot sign his own item off: exit 77" 77 $?
expect_in "and is told who can" \
    "一-1: 张伟 is neither an admin nor a leader of its owner: ask the office or the leader to do this" "$T/out"
as stranger item done 一-1 --evidence "计划已印发" > "$T/out" 2>&1
expect_eq "a login that is nobody in people: 77" 77 $?
expect_in "named, with the setting" "stranger is not anyone in people (people.unix_user in $T/s.conf)" "$T/out"
as zhangw item extend 一-1 --to 2027-01-31 --reason x > "$T/out" 2>&1
expect_eq "nor can he extend it" 77 $?
expect_eq "nothing was stored or audited" "open|2026-12-31|$a0" \
    "$(q "select status||'|'||deadline||'|'||(select count(*) from audit) from measure")"

as lina item done 一-1 --evidence "计划已印发" > "$T/out" 2>&1
expect_eq "the owner's leader signs it off" 0 $?
expect_eq "the audit names the person" "root (sudo: lina) (李娜)" \
    "$(q 'select who from audit order by id desc limit 1')"
as bgs item reopen 一-1 --reason "回头看" > "$T/out" 2>&1
expect_eq "the office (admin) reopens it" 0 $?
as lina item extend 一-1 --to 2027-01-31 --reason "待审定" > "$T/out" 2>&1
expect_eq "the leader extends it" 0 $?
env -u SUDO_USER "$DUTYCTL" -c "$T/s.conf" item done 一-1 --evidence "x" > "$T/out" 2>&1
expect_eq "root itself may (the system's administrator)" 0 $?

sed 's/unix_user = "bgs"/unix_user = "lina"/' "$T/s.conf" > "$T/dup.conf"
$DUTYCTL -c "$T/dup.conf" check-config > "$T/out" 2>&1
expect_eq "one login for two people is a config error" 78 $?
expect_in "named" "people.[3].unix_user: duplicate unix_user, also people.[1]" "$T/out"
finish
