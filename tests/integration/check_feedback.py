#!/usr/bin/python3
"""check_feedback.py JSON CORPUS_DIR MAX_SIZE: compare `dutyctl feedback
list --json` with the corpus's .expect files, matched by Message-ID (or,
for mail without one, by subject).  Prints one line per mismatch."""
import json, os, sys

rows = json.load(open(sys.argv[1], encoding="utf-8"))
corpus, max_size = sys.argv[2], int(sys.argv[3])
bad = 0
for name in sorted(os.listdir(corpus)):
    if not name.endswith(".expect"):
        continue
    want = {}
    for line in open(os.path.join(corpus, name), encoding="utf-8"):
        k, _, v = line.rstrip("\n").partition(": ")
        want[k] = v
    match = [r for r in rows if (r["message_id"] or "") == want["message_id"]
             and (want["message_id"] or r["subject"] == want["subject"])]
    if len(match) != 1:
        print("%s: %d stored rows match" % (name, len(match)))
        bad += 1
        continue
    r = match[0]
    size = os.path.getsize(os.path.join(corpus, name[:-7] + ".eml"))
    if size > max_size:
        # Oversized: headers only, with a note.
        want["excerpt"], want["attachments"] = "", ""
        if "只保存了信头" not in (r["note"] or ""):
            print("%s: no oversize note (got %r)" % (name, r["note"]))
            bad += 1
    got = {"subject": r["subject"], "from": r["from"], "excerpt": r["excerpt"],
           "attachments": r["attachments"].replace("\n", "|"),
           "message_id": r["message_id"] or "", "kind": r["kind"]}
    want.setdefault("kind", "citizen")
    if want["date"].endswith(" assumed"):
        got["date"] = str(r["date"]) + (" assumed" if r["date_flagged"] else "")
    elif want["date"] == "flagged":
        got["date"] = "flagged" if r["date_flagged"] and r["date"] == r["received_at"] else str(r["date"])
    else:
        got["date"] = str(r["date"]) if not r["date_flagged"] else "flagged"
    for k in ("subject", "from", "date", "excerpt", "attachments", "message_id", "kind"):
        if got[k] != want[k]:
            print("%s: %s: want %r got %r" % (name, k, want[k], got[k]))
            bad += 1
print("%d mismatch(es) in %d rows" % (bad, len(rows)))
sys.exit(1 if bad else 0)
