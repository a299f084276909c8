#!/bin/sh
# Evidence files: item done --file stores each file once by its SHA-256
# under general.evidence_dir (0600 in 0700 directories), records and
# audits it with the sign-off in one transaction; item show lists them;
# evidence get gives the bytes back, checked; too large a file is refused
# and nothing is recorded; item evidence add adds more later, audited.
. "$(dirname "$0")/lib.sh"

cat > "$T/v.conf" <<CONF
general = { database = "$T/v.db"; templates = "$TOP/conf/templates";
	evidence_max = 4096; };
people = (
	{ key = "li"; name = "李娜"; email = "li@example.org";
	  roles = [ "principal" ]; }
);
maildir = { path = "$T/md"; };
CONF
C="$DUTYCTL -c $T/v.conf"
q() { sqlite3 "$T/v.db" "$1"; }
$C init > /dev/null
$C item add --problem 一 --problem-title "学习不深入" --code 一-1 \
    --text "制定学习计划" --owner li --deadline 2026-12-31 > /dev/null
printf '%%PDF-1.4 会议纪要\n' > "$T/纪要.pdf"
head -c 3000 /dev/urandom > "$T/照片.jpg"
head -c 5000 /dev/urandom > "$T/big.bin"

$C item done 一-1 --evidence "会议纪要" --file "$T/big.bin" > "$T/out" 2>&1
expect_eq "a file over evidence_max is refused" 65 $?
expect_in "saying the limit" "general.evidence_max is 4096 bytes" "$T/out"
expect_eq "and nothing is recorded" "open|0" \
    "$(q "select status||'|'||(select count(*) from evidence_file) from measure")"

a0=$(q 'select count(*) from audit')
$C item done 一-1 --evidence "会议纪要" --file "$T/纪要.pdf" \
    --file "$T/照片.jpg" > "$T/out" 2>&1
expect_eq "done with two files exits 0" 0 $?
expect_in "and says so" "一-1 done (销号), 2 evidence file(s) added" "$T/out"
h1=$(sha256sum "$T/纪要.pdf" | cut -c1-64)
h2=$(sha256sum "$T/照片.jpg" | cut -c1-64)
expect_eq "the files are recorded by name, size and hash" \
    "纪要.pdf|$(wc -c < "$T/纪要.pdf")|$h1 照片.jpg|3000|$h2" \
    "$(q "select name||'|'||size||'|'||hash from evidence_file order by id" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the sign-off and both files are audited" \
    "evidence.add evidence.add measure.done" \
    "$(q "select action from audit where id > $a0 order by action" | tr '\n' ' ' | sed 's/ $//')"
f="$T/evidence/$(echo "$h1" | cut -c1-2)/$h1"
check "stored by hash beside the database" cmp -s "$f" "$T/纪要.pdf"
expect_eq "the file is 0600" 600 "$(stat -c %a "$f")"
expect_eq "its directories 0700" "700 700" \
    "$(stat -c %a "$T/evidence") $(stat -c %a "$(dirname "$f")")"
$C item show 一-1 > "$T/out" 2>&1
expect_in "item show lists the files" "file:     纪要.pdf (" "$T/out"
expect_in "with the hash" "sha256 $(echo "$h2" | cut -c1-12)…" "$T/out"
$C evidence get "$h2" -o "$T/back.jpg" > "$T/out" 2>&1
expect_eq "evidence get exits 0" 0 $?
check "and gives the bytes back" cmp -s "$T/back.jpg" "$T/照片.jpg"
$C evidence get "$(printf '%064d' 0)" > "$T/out" 2>&1
expect_eq "an unknown hash exits 65" 65 $?
printf x >> "$T/evidence/$(echo "$h2" | cut -c1-2)/$h2"
$C evidence get "$h2" -o "$T/back2.jpg" > "$T/out" 2>&1
expect_eq "a damaged file is refused" 74 $?
expect_in "said so" "is damaged" "$T/out"

printf '整改报告\n' > "$T/报告.docx"
$C item evidence add 一-1 --file "$T/报告.docx" --file "$T/纪要.pdf" > "$T/out" 2>&1
expect_in "evidence added later: only the new file counts" "一-1: 1 evidence file(s) added" "$T/out"
expect_eq "and it is audited" "evidence.add" \
    "$(q 'select action from audit order by id desc limit 1')"
finish
