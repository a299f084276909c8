#!/usr/bin/python3
"""Write one email as an officer's mail client would send it, for the
replies tests.

usage: mkreply.py OUT --from ADDR --subject S --body TEXT
           [--message-id ID] [--in-reply-to ID] [--attach NAME:SIZE]...
           [--auto] [--header NAME:VALUE]...
--attach adds an attachment of SIZE bytes (deterministic content) named
NAME; --auto marks it an out-of-office auto-reply (Auto-Submitted).
"""
import argparse
import email.message
import email.policy
import email.utils


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--from", dest="frm", required=True)
    ap.add_argument("--to", default="feedback+reply@example.org")
    ap.add_argument("--subject", required=True)
    ap.add_argument("--body", required=True)
    ap.add_argument("--message-id")
    ap.add_argument("--in-reply-to")
    ap.add_argument("--attach", action="append", default=[])
    ap.add_argument("--auto", action="store_true")
    ap.add_argument("--header", action="append", default=[])
    a = ap.parse_args()
    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m["From"] = a.frm
    m["To"] = a.to
    m["Subject"] = a.subject
    m["Date"] = "Tue, 01 Dec 2026 10:00:00 +0800"
    if a.message_id:
        m["Message-ID"] = "<%s>" % a.message_id
    if a.in_reply_to:
        m["In-Reply-To"] = "<%s>" % a.in_reply_to
        m["References"] = "<%s>" % a.in_reply_to
    if a.auto:
        m["Auto-Submitted"] = "auto-replied"
    for h in a.header:
        k, v = h.split(":", 1)
        m[k] = v
    m.set_content(a.body.replace("\\n", "\n"))
    for spec in a.attach:
        name, size = spec.rsplit(":", 1)
        data = bytes((i * 7 + len(name)) % 251 for i in range(int(size)))
        m.add_attachment(data, maintype="application", subtype="pdf",
                         filename=name)
    with open(a.out, "wb") as f:
        f.write(m.as_bytes())


main()
