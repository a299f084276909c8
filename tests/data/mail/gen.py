#!/usr/bin/python3
"""Build the feedback-mailbox corpus: NN-name.eml and NN-name.expect.

Run from this directory; the output is committed, so this is only needed
to change the corpus.  Each .expect holds the fields dutyd must store,
one "field: value" a line (see tests/unit/test_mime.c).
"""
import base64, quopri, email.utils

def b(cs, text):
    return "=?%s?B?%s?=" % (cs, base64.b64encode(text.encode(cs if cs != "gb2312" else "gb18030")).decode())

def q(cs, text):
    raw = text.encode(cs)
    out = "".join(chr(c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else "=%02X" % c for c in raw)
    return "=?%s?Q?%s?=" % (cs, out)

def b64(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))

def qp(data):
    return quopri.encodestring(data).decode()

def ts(d):
    return int(email.utils.mktime_tz(email.utils.parsedate_tz(d)))

def write(name, head, body, expect):
    msg = (head.strip("\n") + "\n\n" + body).replace("\n", "\r\n")
    open(name + ".eml", "wb").write(msg.encode("utf-8"))
    with open(name + ".expect", "w", encoding="utf-8") as f:
        for k in ("subject", "from", "date", "excerpt", "attachments", "message_id"):
            f.write("%s: %s\n" % (k, expect.get(k, "")))

D1 = "Tue, 24 Nov 2026 09:15:00 +0800"
# 1. GB2312 label on GBK text (镕 is not in GB2312), B words split.
subj = "关于朱镕基路段路灯不亮的反映"
write("01-gb2312-b",
    "From: %s\n <resident1@126.com>\nTo: nhtxw2013@126.com\nSubject: %s\n %s\nDate: %s\n"
    "Message-ID: <m01@126.com>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"gb2312\"\n"
    "Content-Transfer-Encoding: base64" % (b("gb2312", "李镕"), b("gb2312", subj[:6]), b("gb2312", subj[6:]), D1),
    b64("镕基路 3 号路灯坏了两周，\n请尽快修理。\n".encode("gb18030")) + "\n",
    {"subject": subj, "from": "李镕 <resident1@126.com>", "date": ts(D1),
     "excerpt": "镕基路 3 号路灯坏了两周， 请尽快修理。", "message_id": "m01@126.com"})

# 2. GBK, Q words split across lines, quoted-printable body.
D2 = "Wed, 25 Nov 2026 20:01:02 +0800"
subj = "整改公示中电话号码有误"
write("02-gbk-q",
    "From: \"%s\" <citizen@163.com>\nSubject: %s\n\t%s\nDate: %s\nMessage-ID: <m02@163.com>\n"
    "MIME-Version: 1.0\nContent-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: quoted-printable"
    % (q("gbk", "王芳"), q("gbk", subj[:5]), q("gbk", subj[5:]), D2),
    qp("公示里的监督电话 0735-1234567 打不通。\n".encode("gbk")),
    {"subject": subj, "from": "王芳 <citizen@163.com>", "date": ts(D2),
     "excerpt": "公示里的监督电话 0735-1234567 打不通。", "message_id": "m02@163.com"})

# 3. GB18030 with a four-byte character (㐀 U+3400).
D3 = "Thu, 26 Nov 2026 08:00:00 +0000"
subj = "生僻字㐀测试"
write("03-gb18030",
    "From: %s <gb@example.cn>\nSubject: %s\nDate: %s\nMessage-ID: <m03@example.cn>\n"
    "MIME-Version: 1.0\nContent-Type: text/plain; charset=gb18030\nContent-Transfer-Encoding: base64"
    % (b("gb18030", "赵㐀"), b("gb18030", subj), D3),
    b64("姓名里有㐀字。\n".encode("gb18030")) + "\n",
    {"subject": subj, "from": "赵㐀 <gb@example.cn>", "date": ts(D3),
     "excerpt": "姓名里有㐀字。", "message_id": "m03@example.cn"})

# 4. Big5 (traditional), Q subject, QP body.
D4 = "Fri, 27 Nov 2026 10:30:00 +0800"
subj = "意見箱反映問題"
write("04-big5",
    "From: %s <tw@example.tw>\nSubject: %s\nDate: %s\nMessage-ID: <m04@example.tw>\n"
    "MIME-Version: 1.0\nContent-Type: text/plain; charset=big5\nContent-Transfer-Encoding: quoted-printable"
    % (b("big5", "陳先生"), q("big5", subj), D4),
    qp("請問整改進度如何？\n".encode("big5")),
    {"subject": subj, "from": "陳先生 <tw@example.tw>", "date": ts(D4),
     "excerpt": "請問整改進度如何？", "message_id": "m04@example.tw"})

# 5. UTF-8, multipart/alternative: text/plain wins over HTML.
D5 = "Sat, 28 Nov 2026 07:05:09 +0800"
subj = "建议：每月公开一次整改进展"
write("05-utf8-alternative",
    "From: %s <u8@example.org>\nSubject: %s\n %s\nDate: %s\nMessage-ID: <m05@example.org>\n"
    "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"ALT\""
    % (q("utf-8", "刘洋"), b("utf-8", subj[:3]), q("utf-8", subj[3:]), D5),
    "--ALT\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
    + qp("纯文本：希望每月公开。\n".encode()) + "\n--ALT\nContent-Type: text/html; charset=utf-8\n\n"
    "<p>HTML 版本</p>\n--ALT--\n",
    {"subject": subj, "from": "刘洋 <u8@example.org>", "date": ts(D5),
     "excerpt": "纯文本：希望每月公开。", "message_id": "m05@example.org"})

# 6. HTML only, with style, script, entities and <br>.
D6 = "Sun, 29 Nov 2026 12:00:00 +0800"
html = ("<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script><p>村里&nbsp;道路&lt;破损&gt;严重</p>"
        "<div>已&#x7ecf;反映&#27425;三次&amp;无人管</div></body></html>")
write("06-html-only",
    "From: anon@example.net\nSubject: %s\nDate: %s\nMessage-ID: <m06@example.net>\n"
    "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64"
    % (b("utf-8", "道路破损"), D6),
    b64(html.encode()) + "\n",
    {"subject": "道路破损", "from": "anon@example.net", "date": ts(D6),
     "excerpt": "村里 道路<破损>严重 已经反映次三次&无人管", "message_id": "m06@example.net"})

# 7. multipart/mixed with attachments: RFC 2231 and RFC 2047 names.
D7 = "Mon, 30 Nov 2026 09:00:00 +0800"
write("07-mixed-attachments",
    "From: %s <photo@example.com>\nSubject: =?utf-8?B?%s?=\nDate: %s\nMessage-ID: <m07@example.com>\n"
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"MIX\""
    % (b("utf-8", "周敏"), base64.b64encode("附照片".encode()).decode(), D7),
    "preamble\n--MIX\nContent-Type: text/plain; charset=utf-8\n\n见附件照片。\n"
    "--MIX\nContent-Type: image/jpeg\nContent-Disposition: attachment; filename*=UTF-8''%E7%8E%B0%E5%9C%BA.jpg\n"
    "Content-Transfer-Encoding: base64\n\n/9j/4AAQ\n"
    "--MIX\nContent-Type: application/pdf; name=\"" + b("gb2312", "说明.pdf") + "\"\n"
    "Content-Disposition: attachment; filename=\"" + b("gb2312", "说明.pdf") + "\"\n"
    "Content-Transfer-Encoding: base64\n\nJVBERi0=\n--MIX--\n",
    {"subject": "附照片", "from": "周敏 <photo@example.com>", "date": ts(D7),
     "excerpt": "见附件照片。", "attachments": "现场.jpg|说明.pdf", "message_id": "m07@example.com"})

# 8. No Date, no Message-ID: arrival time (flagged), header hash.
write("08-no-date",
    "From: nodate@example.com\nSubject: no date here\nContent-Type: text/plain",
    "Body without a date.\n",
    {"subject": "no date here", "from": "nodate@example.com", "date": "flagged",
     "excerpt": "Body without a date.", "message_id": ""})

# 9. Broken headers: garbage Date, raw 8-bit GBK subject, a line
# without a colon, an unterminated encoded word, multipart without its
# closing boundary.
raw = ("From: =?utf-8?B?5byg5LiJ <broken@example.com>\nSubject: ".encode()
       + "原始八位标题".encode("gbk")
       + b"\nDate: the day before yesterday\nThis line has no colon\nMessage-ID: <m09@example.com>\n"
       b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\n"
       b"Content-Type: text/plain; charset=utf-8\n\n" + "断开的邮件\n".encode() + b"--B\nContent-Type: text/plain\n\nno end")
open("09-broken.eml", "wb").write(raw.replace(b"\n", b"\r\n"))
with open("09-broken.expect", "w", encoding="utf-8") as f:
    f.write("subject: 原始八位标题\nfrom: =?utf-8?B?5byg5LiJ <broken@example.com>\ndate: flagged\n"
            "excerpt: 断开的邮件\nattachments: \nmessage_id: m09@example.com\n")

# 10. Oversized: over the test's max_size (65536); stored as headers + note.
D10 = "Tue, 01 Dec 2026 09:00:00 +0800"
write("10-oversized",
    "From: big@example.com\nSubject: %s\nDate: %s\nMessage-ID: <m10@example.com>\n"
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"BIG\"" % (b("utf-8", "大附件"), D10),
    "--BIG\nContent-Type: text/plain; charset=utf-8\n\nsee attachment\n--BIG\n"
    "Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=big.bin\n"
    "Content-Transfer-Encoding: base64\n\n" + b64(bytes(range(256)) * 400) + "\n--BIG--\n",
    {"subject": "大附件", "from": "big@example.com", "date": ts(D10),
     "excerpt": "see attachment", "attachments": "big.bin", "message_id": "m10@example.com"})

# ---- Real-world shapes seen from Chinese mail clients ---------------------

def write_raw(name, raw, expect):
    open(name + ".eml", "wb").write(raw.replace(b"\n", b"\r\n"))
    with open(name + ".expect", "w", encoding="utf-8") as f:
        for k in ("subject", "from", "date", "excerpt", "attachments", "message_id"):
            f.write("%s: %s\n" % (k, expect.get(k, "")))

D11 = "Mon, 30 Nov 2026 10:00:00 +0800"
# 11. Foxmail-style: raw 8-bit GBK in From and Subject, a text/plain body
# in GBK with no charset at all, indented with ideographic spaces.
write_raw("11-raw-gbk",
    b"From: " + "张三".encode("gbk") + b" <zs@qq.com>\nSubject: "
    + "反映村里道路问题".encode("gbk") + b"\nDate: " + D11.encode()
    + b"\nMessage-ID: <m11@qq.com>\nMIME-Version: 1.0\nContent-Type: text/plain\n"
    b"Content-Transfer-Encoding: 8bit\n\n" + "\u3000\u3000村口道路坑洼不平，下雨积水。\n".encode("gbk"),
    {"subject": "反映村里道路问题", "from": "张三 <zs@qq.com>", "date": ts(D11),
     "excerpt": "村口道路坑洼不平，下雨积水。", "message_id": "m11@qq.com"})

# 12. "utf8" without the dash, and a byte order mark before the body.
write_raw("12-utf8-bom",
    b"From: a@example.cn\nSubject: =?utf8?B?" + base64.b64encode("测试标题".encode())
    + b"?=\nDate: " + D11.encode() + b"\nMessage-ID: <m12@example.cn>\n"
    b"Content-Type: text/plain; charset=utf8\nContent-Transfer-Encoding: base64\n\n"
    + base64.b64encode(b"\xef\xbb\xbf" + "正文内容\n".encode()) + b"\n",
    {"subject": "测试标题", "from": "a@example.cn", "date": ts(D11),
     "excerpt": "正文内容", "message_id": "m12@example.cn"})

# 13. A character's bytes split between two encoded words (RFC 2047 6.3
# forbids it; some webmail does it), in the Subject and the From name.
raw = "关于路灯的问题".encode("gbk")
name = "欧阳".encode("gbk")
write_raw("13-split-words",
    b"From: =?GBK?B?" + base64.b64encode(name[:3]) + b"?= =?GBK?B?"
    + base64.b64encode(name[3:]) + b"?= <oy@163.com>\nSubject: =?GBK?B?"
    + base64.b64encode(raw[:5]) + b"?=\n =?GBK?B?" + base64.b64encode(raw[5:])
    + b"?=\nDate: " + D11.encode() + b"\nMessage-ID: <m13@163.com>\n"
    b"Content-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: quoted-printable\n\n"
    + quopri.encodestring("路灯坏了。\n".encode("gbk")),
    {"subject": "关于路灯的问题", "from": "欧阳 <oy@163.com>", "date": ts(D11),
     "excerpt": "路灯坏了。", "message_id": "m13@163.com"})

# 14. A forwarded message (message/rfc822): the excerpt is the sender's
# own words, not the forwarded ones.
write_raw("14-forwarded",
    b"From: e@example.cn\nSubject: =?UTF-8?B?" + base64.b64encode("转发：投诉".encode())
    + b"?=\nDate: " + D11.encode() + b"\nMessage-ID: <m14@example.cn>\nMIME-Version: 1.0\n"
    b"Content-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: text/plain; charset=utf-8\n\n"
    + "请看下面的转发。\n".encode() + b"--X\nContent-Type: message/rfc822\n\n"
    b"From: orig@example.cn\nSubject: inner\n\n" + "原始邮件正文\n".encode() + b"--X--\n",
    {"subject": "转发：投诉", "from": "e@example.cn", "date": ts(D11),
     "excerpt": "请看下面的转发。", "message_id": "m14@example.cn"})

# 15. Raw UTF-8 headers (RFC 6532) and an HTML-only body whose charset is
# only in its <meta>, with &nbsp;.
write_raw("15-raw-utf8-html",
    "From: 李四 <ls@163.com>\nSubject: 关于公示的意见\nDate: ".encode() + D11.encode()
    + b"\nMessage-ID: <m15@163.com>\nMIME-Version: 1.0\nContent-Type: text/html\n\n"
    + "<html><head><meta charset=\"utf-8\"></head><body><p>公示期太短&nbsp;了</p></body></html>\n".encode(),
    {"subject": "关于公示的意见", "from": "李四 <ls@163.com>", "date": ts(D11),
     "excerpt": "公示期太短 了", "message_id": "m15@163.com"})

# 16. Outlook-style multipart/related around multipart/alternative with an
# inline image; quoted-printable soft breaks inside a UTF-8 character.
write_raw("16-related-qp",
    b"From: m@example.cn\nSubject: =?gb2312?B?" + base64.b64encode("图文".encode("gbk"))
    + b"?=\nDate: " + D11.encode() + b"\nMessage-ID: <m16@example.cn>\nMIME-Version: 1.0\n"
    b"Content-Type: multipart/related; boundary=R\n\n--R\n"
    b"Content-Type: multipart/alternative; boundary=A\n\n--A\n"
    b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
    b"=E5=9B=BE=E7=89=87=E5=9C=A8=E4=B8=8B=\n=E9=9D=A2\n--A\n"
    b"Content-Type: text/html; charset=utf-8\n\n<p>x</p>\n--A--\n--R\n"
    b"Content-Type: image/png; name=\"a.png\"\nContent-ID: <img1>\n"
    b"Content-Transfer-Encoding: base64\n\niVBORw0=\n--R--\n",
    {"subject": "图文", "from": "m@example.cn", "date": ts(D11),
     "excerpt": "图片在下面", "attachments": "a.png", "message_id": "m16@example.cn"})

# 17. Foxmail/Coremail shape: the only text part is named
# (Content-Disposition: inline; filename=...): it is the body.
write_raw("17-inline-filename-text",
    b"From: fox@example.cn\nSubject: =?utf-8?B?" + base64.b64encode("占道经营".encode())
    + b"?=\nDate: " + D11.encode() + b"\nMessage-ID: <m17@example.cn>\nMIME-Version: 1.0\n"
    b"Content-Type: multipart/mixed; boundary=F\n\n--F\n"
    b"Content-Type: text/plain; charset=utf-8; name=\"body.txt\"\n"
    b"Content-Disposition: inline; filename=\"body.txt\"\n\n"
    + "菜市场门口占道经营，早上堵车。\n".encode() + b"--F--\n",
    {"subject": "占道经营", "from": "fox@example.cn", "date": ts(D11),
     "excerpt": "菜市场门口占道经营，早上堵车。", "message_id": "m17@example.cn"})

# 18. A blank text/plain beside the real text/html (some webmail and
# phone mailers): the excerpt is the HTML's text.
write_raw("18-blank-plain-html",
    b"From: web@example.cn\nSubject: =?utf-8?B?" + base64.b64encode("噪音扰民".encode())
    + b"?=\nDate: " + D11.encode() + b"\nMessage-ID: <m18@example.cn>\nMIME-Version: 1.0\n"
    b"Content-Type: multipart/alternative; boundary=A\n\n--A\n"
    b"Content-Type: text/plain; charset=utf-8\n\n \n\n--A\n"
    b"Content-Type: text/html; charset=utf-8\n\n"
    + "<div>工地夜间施工，<b>噪音</b>很大。</div>\n".encode() + b"--A--\n",
    {"subject": "噪音扰民", "from": "web@example.cn", "date": ts(D11),
     "excerpt": "工地夜间施工，噪音很大。", "message_id": "m18@example.cn"})

# 19. A Date with no zone, in ISO shape (web forms, scripts): read in the
# office's zone (Asia/Shanghai, +0800) and flagged as assumed.
write_raw("19-zoneless-date",
    b"From: form@example.cn\nSubject: =?utf-8?B?" + base64.b64encode("网上留言".encode())
    + b"?=\nDate: 2025-03-21 20:41:09\nMessage-ID: <m19@example.cn>\n"
    b"Content-Type: text/plain; charset=utf-8\n\n" + "留言内容。\n".encode(),
    {"subject": "网上留言", "from": "form@example.cn",
     "date": "%d assumed" % ts("Fri, 21 Mar 2025 20:41:09 +0800"),
     "excerpt": "留言内容。", "message_id": "m19@example.cn"})

# 20. "CST" meant as China Standard Time (+0800), not US Central, and an
# RFC 5322 date without a zone.
write_raw("20-cst-date",
    b"From: cst@example.cn\nSubject: CST\nDate: Fri, 21 Mar 2025 20:41:09 CST\n"
    b"Message-ID: <m20@example.cn>\nContent-Type: text/plain; charset=utf-8\n\n"
    + "时区写的是CST。\n".encode(),
    {"subject": "CST", "from": "cst@example.cn",
     "date": "%d assumed" % ts("Fri, 21 Mar 2025 20:41:09 +0800"),
     "excerpt": "时区写的是CST。", "message_id": "m20@example.cn"})
write_raw("21-no-zone-date",
    b"From: nz@example.cn\nSubject: no zone\nDate: 21 Mar 2025 20:41\n"
    b"Message-ID: <m21@example.cn>\nContent-Type: text/plain; charset=utf-8\n\n"
    + "没有时区。\n".encode(),
    {"subject": "no zone", "from": "nz@example.cn",
     "date": "%d assumed" % ts("Fri, 21 Mar 2025 20:41:00 +0800"),
     "excerpt": "没有时区。", "message_id": "m21@example.cn"})

# 22-29: charsets a label does not tell, or tells wrong (issue 14 §4).
T22 = "请尽快处理小区门口的垃圾堆放问题，谢谢。"
def plain(name, head, body, expect):
    write_raw(name, head + b"\nMessage-ID: <" + name.encode() + b"@example.cn>\n\n" + body,
        dict(expect, message_id=name + "@example.cn"))

# 22. Raw 8-bit Big5 in Subject and From (old Taiwanese mailers), Big5 body.
plain("22-big5-raw-headers",
    "From: 陳大文 <big5@example.tw>\nSubject: 關於社區路燈損壞的問題反映\nDate: ".encode("big5")
    + D11.encode() + b"\nContent-Type: text/plain; charset=big5",
    "社區門口的路燈已經壞了兩個星期。\n".encode("big5"),
    {"subject": "關於社區路燈損壞的問題反映", "from": "陳大文 <big5@example.tw>",
     "date": ts(D11), "excerpt": "社區門口的路燈已經壞了兩個星期。"})
# 23. UTF-8 bytes labelled GB2312.
plain("23-utf8-as-gb2312",
    b"From: a23@example.cn\nSubject: utf8 labelled gb2312\nDate: " + D11.encode()
    + b"\nContent-Type: text/plain; charset=gb2312", (T22 + "\n").encode(),
    {"subject": "utf8 labelled gb2312", "from": "a23@example.cn", "date": ts(D11), "excerpt": T22})
# 24. GBK bytes labelled ISO-8859-1.
plain("24-gbk-as-latin1",
    b"From: a24@example.cn\nSubject: gbk labelled latin1\nDate: " + D11.encode()
    + b"\nContent-Type: text/plain; charset=iso-8859-1", (T22 + "\n").encode("gbk"),
    {"subject": "gbk labelled latin1", "from": "a24@example.cn", "date": ts(D11), "excerpt": T22})
# 25. Big5 bytes labelled GB2312.
T25 = "請盡快處理社區門口的垃圾堆放問題，這個問題已經反映很多次了，謝謝。"
plain("25-big5-as-gb2312",
    b"From: a25@example.tw\nSubject: big5 labelled gb2312\nDate: " + D11.encode()
    + b"\nContent-Type: text/plain; charset=gb2312", (T25 + "\n").encode("big5"),
    {"subject": "big5 labelled gb2312", "from": "a25@example.tw", "date": ts(D11), "excerpt": T25})
# 26. Garbage labels: GBK under "utf-8-purple", UTF-8 under a pasted
# HTML attribute.
plain("26-garbage-label",
    b"From: a26@example.cn\nSubject: garbage label\nDate: " + D11.encode()
    + b"\nContent-Type: text/plain; charset=utf-8-purple", (T22 + "\n").encode("gbk"),
    {"subject": "garbage label", "from": "a26@example.cn", "date": ts(D11), "excerpt": T22})
plain("27-html-label",
    b"From: a27@example.cn\nSubject: html label\nDate: " + D11.encode()
    + b"\nContent-Type: text/plain; charset=windows-1252http-equivContent-Type",
    (T22 + "\n").encode(),
    {"subject": "html label", "from": "a27@example.cn", "date": ts(D11), "excerpt": T22})
# 28. HZ-GB-2312 (RFC 1843), which iconv does not know.
def hz(text):
    out, gb = "", False
    for ch in text:
        if ord(ch) < 128:
            if gb: out += "~}"; gb = False
            out += "~~" if ch == "~" else ch
        else:
            if not gb: out += "~{"; gb = True
            bb = ch.encode("gb2312")
            out += chr(bb[0] & 0x7f) + chr(bb[1] & 0x7f)
    return out + ("~}" if gb else "")
plain("28-hz",
    b"From: a28@example.cn\nSubject: hz\nDate: " + D11.encode()
    + b"\nContent-Type: text/plain; charset=HZ-GB-2312", (hz("路灯不亮，请修理 ~ 谢谢") + "\n").encode(),
    {"subject": "hz", "from": "a28@example.cn", "date": ts(D11), "excerpt": "路灯不亮，请修理 ~ 谢谢"})
# 29. "x-gbk" and ISO-2022-JP.
plain("29-x-gbk",
    b"From: a29@example.cn\nSubject: x-gbk\nDate: " + D11.encode()
    + b"\nContent-Type: text/plain; charset=x-gbk", (T22 + "\n").encode("gbk"),
    {"subject": "x-gbk", "from": "a29@example.cn", "date": ts(D11), "excerpt": T22})
plain("30-iso-2022-jp",
    b"From: a30@example.jp\nSubject: =?ISO-2022-JP?B?" + base64.b64encode("お問い合わせ".encode("iso-2022-jp"))
    + b"?=\nDate: " + D11.encode() + b"\nContent-Type: text/plain; charset=ISO-2022-JP",
    "道路の件でご連絡します。\n".encode("iso-2022-jp"),
    {"subject": "お問い合わせ", "from": "a30@example.jp", "date": ts(D11), "excerpt": "道路の件でご連絡します。"})
# 31. ISO-2022-JP with NEC row 13 (No., circled digits), as Outlook and
# Japanese mailers send it (CP50221); glibc's ISO-2022-JP refuses the row.
def jis_nec(text):
    out, kanji = b"", False
    for ch in text:
        sj = ch.encode("cp932")
        if len(sj) == 1:
            if kanji: out += b"\x1b(B"; kanji = False
            out += sj
            continue
        s1, s2 = sj
        j1 = ((s1 - (0x70 if s1 < 0xa0 else 0xb0)) << 1) - (1 if s2 < 0x9f else 0)
        j2 = s2 - (0x1f if s2 < 0x7f else 0x20 if s2 < 0x9f else 0x7e)
        if not kanji: out += b"\x1b$B"; kanji = True
        out += bytes([j1, j2])
    return out + (b"\x1b(B" if kanji else b"")
plain("31-iso-2022-jp-nec",
    b"From: a31@example.jp\nSubject: =?ISO-2022-JP?B?" + base64.b64encode(jis_nec("整理№①の件"))
    + b"?=\nDate: " + D11.encode() + b"\nContent-Type: text/plain; charset=ISO-2022-JP",
    jis_nec("№12 ①道路 ②照明 ③その他\n"),
    {"subject": "整理№①の件", "from": "a31@example.jp", "date": ts(D11), "excerpt": "№12 ①道路 ②照明 ③その他"})
