#!/bin/sh
# mkledger.sh IN OUT: write the demo ledger IN to OUT with every {{+N}} or
# {{-N}} placeholder replaced by the date N calendar days after (or before)
# the demo start day: today, or DEMO_TODAY (YYYY-MM-DD) if set.  GNU date.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: mkledger.sh IN OUT" >&2
	exit 64
fi
in=$1
out=$2
base=${DEMO_TODAY:-$(date +%F)}
script=$(mktemp)
trap 'rm -f "$script" "$out.tmp"' EXIT

grep -o '{{[+-][0-9][0-9]*}}' "$in" | sort -u | while read -r ph; do
	n=${ph#??}
	n=${n%??}
	printf 's/{{%s}}/%s/g\n' "$n" "$(date -d "$base $n days" +%F)"
done > "$script"
sed -f "$script" "$in" > "$out.tmp"
if grep -n '{{' "$out.tmp" >&2; then
	echo "mkledger.sh: $in: placeholder not of the form {{+N}} or {{-N}}" >&2
	exit 65
fi
mv "$out.tmp" "$out"
