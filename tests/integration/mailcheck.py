#!/usr/bin/python3
"""Decode mail the way a mail client would (Python's standard parser) and
print one line per message: the fields the tests assert.

usage: mailcheck.py FILE... ; prints
  to=<addr> to_name=<decoded> from_name=<decoded> subject=<decoded>
  parts=<text/plain,text/html> auto=<Auto-Submitted> mid=<Message-ID>
and with --body, the decoded text/plain body after each line.
"""
import email
import email.policy
import sys


def describe(path, body):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    to = msg["To"].addresses[0] if msg["To"] else None
    frm = msg["From"].addresses[0] if msg["From"] else None
    parts = [p.get_content_type() for p in msg.walk()
             if not p.is_multipart()]
    print("to=%s to_name=%s from_name=%s subject=%s parts=%s auto=%s mid=%s"
          % (to.addr_spec if to else "", to.display_name if to else "",
             frm.display_name if frm else "", msg["Subject"],
             ",".join(parts), msg["Auto-Submitted"], msg["Message-ID"]))
    if body:
        for p in msg.walk():
            if p.get_content_type() == "text/plain":
                print(p.get_content())


def main():
    args = sys.argv[1:]
    body = "--body" in args
    for a in args:
        if a != "--body":
            describe(a, body)


main()
