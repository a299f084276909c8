#!/usr/bin/python3
"""Zip a Word package from its source parts: mkdocx.py SRCDIR OUT.docx.

[Content_Types].xml goes first (as Word writes it), then the other files
of SRCDIR in name order, deflated, each dated 1980-01-01 00:00 with mode
0644, so that the same sources always give the same bytes (the build's
conf/templates/report.docx from conf/report-docx/)."""
import os
import sys
import zipfile

src, out = sys.argv[1], sys.argv[2]
names = []
for top, dirs, files in os.walk(src):
    dirs.sort()
    for f in files:
        names.append(os.path.relpath(os.path.join(top, f), src))
names.sort(key=lambda n: (n != "[Content_Types].xml", n))
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n in names:
        info = zipfile.ZipInfo(n.replace(os.sep, "/"), (1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with open(os.path.join(src, n), "rb") as f:
            z.writestr(info, f.read())
