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

# ---- Second round: clients, quoting, signatures, receipts, dates ---------
# (issue 14, round 2).  Each shape follows what the named client sends;
# the README's table says where the shape was learnt.

def write_k(name, raw, expect):
    """write_raw, plus a "kind" line when the message is not citizen mail."""
    write_raw(name, raw, expect)
    if "kind" in expect:
        with open(name + ".expect", "a", encoding="utf-8") as f:
            f.write("kind: %s\n" % expect["kind"])

def bb(cs, text, enc=None):
    return ("=?%s?B?%s?=" % (cs, base64.b64encode(text.encode(enc or cs)).decode())).encode()

def b64b(data):
    return b64(data).encode() + b"\n"

D32 = "Tue, 01 Dec 2026 09:12:34 +0800"
E32 = ts(D32)

# 32. QQ Mail reply: "Re: 回复: 答复:" prefixes, GB18030 base64 text part,
# the QQ quote block under "------------------ 原始邮件 ------------------"
# (in the HTML with &nbsp; around the words).
own = "路灯还是没修好，请再派人看看。"
quoted = ("\n\n\n------------------ 原始邮件 ------------------\n"
    "发件人: \"县整改办\"<nhtxw2013@126.com>;\n发送时间: 2026年11月30日(星期一) 上午10:00\n"
    "收件人: \"王先生\"<12345678@qq.com>;\n主题: 答复: 路灯不亮\n\n已安排维修，请留意。\n")
write_k("32-qq-reply-quote",
    b"From: \"" + bb("gb18030", "王先生") + b"\" <12345678@qq.com>\nTo: \"nhtxw2013\" <nhtxw2013@126.com>\n"
    b"Subject: " + bb("gb18030", "Re: 回复: 答复: 路灯不亮") + b"\nMime-Version: 1.0\n"
    b"Content-Type: multipart/alternative;\n\tboundary=\"----=_NextPart_674BB6A2_0A1B2C3D_1E2F3A4B\"\n"
    b"Content-Transfer-Encoding: 8Bit\nDate: " + D32.encode() + b"\nX-Priority: 3\n"
    b"Message-ID: <tencent_0A1B2C3D4E5F@qq.com>\nX-QQ-MIME: TCMime 1.0 by Tencent\nX-Mailer: QQMail 2.x\n\n"
    b"This is a multi-part message in MIME format.\n\n------=_NextPart_674BB6A2_0A1B2C3D_1E2F3A4B\n"
    b"Content-Type: text/plain;\n\tcharset=\"gb18030\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b((own + quoted).encode("gb18030")) + b"\n------=_NextPart_674BB6A2_0A1B2C3D_1E2F3A4B\n"
    b"Content-Type: text/html;\n\tcharset=\"gb18030\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b(("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=GB18030\"><div>" + own
        + "</div><div><br></div><div style=\"font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;\">"
        "------------------&nbsp;原始邮件&nbsp;------------------</div><div>已安排维修，请留意。</div>").encode("gb18030"))
    + b"\n------=_NextPart_674BB6A2_0A1B2C3D_1E2F3A4B--\n",
    {"subject": "Re: 回复: 答复: 路灯不亮", "from": "王先生 <12345678@qq.com>", "date": E32,
     "excerpt": own, "message_id": "tencent_0A1B2C3D4E5F@qq.com"})

# 33. Gmail: bare encoded-word name, quoted-printable UTF-8 text, HTML in
# <div dir="ltr">, Chinese attribution line "… 于2026年…写道：" and "> ".
own = "您好：\n\n上次反映的垃圾站问题，现在更严重了，气味很大。\n"
write_k("33-gmail-qp-quote",
    b"MIME-Version: 1.0\nDate: " + D32.encode() + b"\nReferences: <r33@example.org>\n"
    b"In-Reply-To: <r33@example.org>\nMessage-ID: <CAF=33xYz+Q@mail.gmail.com>\n"
    b"Subject: " + bb("UTF-8", "Re: 垃圾站异味") + b"\nFrom: " + bb("UTF-8", "刘小梅")
    + b" <xiaomei.liu@gmail.com>\nTo: nhtxw2013@126.com\n"
    b"Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3d4e5f60708\"\n\n"
    b"--000000000000a1b2c3d4e5f60708\nContent-Type: text/plain; charset=\"UTF-8\"\n"
    b"Content-Transfer-Encoding: quoted-printable\n\n"
    + qp((own + "\n张伟 <zhangwei@example.org> 于2026年11月30日周一 10:00写道：\n\n"
        "> 已转交环卫所处理。\n>\n").encode()).encode()
    + b"\n--000000000000a1b2c3d4e5f60708\nContent-Type: text/html; charset=\"UTF-8\"\n"
    b"Content-Transfer-Encoding: quoted-printable\n\n"
    + qp(("<div dir=\"ltr\">您好：<div><br></div><div>上次反映的垃圾站问题，现在更严重了，气味很大。</div></div>"
        "<br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">张伟 &lt;<a href=\"mailto:zhangwei@example.org\">"
        "zhangwei@example.org</a>&gt; 于2026年11月30日周一 10:00写道：<br></div><blockquote class=\"gmail_quote\">"
        "已转交环卫所处理。</blockquote></div>\n").encode()).encode()
    + b"\n--000000000000a1b2c3d4e5f60708--\n",
    {"subject": "Re: 垃圾站异味", "from": "刘小梅 <xiaomei.liu@gmail.com>", "date": E32,
     "excerpt": "您好： 上次反映的垃圾站问题，现在更严重了，气味很大。",
     "message_id": "CAF=33xYz+Q@mail.gmail.com"})

# 34. Apple Mail: multipart/alternative whose HTML side is
# multipart/related with an inline image; text/plain format=flowed;
# delsp=yes, a long Chinese line broken with "space CRLF" (the space is
# deleted when the lines are joined: RFC 3676 4.2).
t34 = ("小区东门外的排水沟已经堵了一个多月，一下雨就漫到 \n路上，老人小孩进出很不方便，希望尽快派人 \n疏通。\n\n"
       "[附图]\n")
write_k("34-apple-flowed",
    b"From: " + bb("utf-8", "陈静") + b" <chenjing@icloud.com>\nContent-Type: multipart/alternative;\n"
    b"\tboundary=\"Apple-Mail=_5E0C2B8A-1B2C-4D5E-8F90-123456789ABC\"\nMime-Version: 1.0 (Mac OS X Mail 16.0 \\(3731.500.231\\))\n"
    b"Subject: " + bb("utf-8", "排水沟堵塞") + b"\nMessage-Id: <5E0C2B8A-1B2C@icloud.com>\nDate: " + D32.encode()
    + b"\nTo: nhtxw2013@126.com\nX-Mailer: Apple Mail (2.3731.500.231)\n\n\n"
    b"--Apple-Mail=_5E0C2B8A-1B2C-4D5E-8F90-123456789ABC\nContent-Transfer-Encoding: base64\n"
    b"Content-Type: text/plain;\n\tcharset=utf-8;\n\tdelsp=yes;\n\tformat=flowed\n\n" + b64b(t34.encode())
    + b"\n--Apple-Mail=_5E0C2B8A-1B2C-4D5E-8F90-123456789ABC\nContent-Type: multipart/related;\n"
    b"\ttype=\"text/html\";\n\tboundary=\"Apple-Mail=_REL-34\"\n\n\n--Apple-Mail=_REL-34\n"
    b"Content-Transfer-Encoding: quoted-printable\nContent-Type: text/html;\n\tcharset=utf-8\n\n"
    + qp(("<html><head><meta http-equiv=\"content-type\" content=\"text/html; charset=utf-8\"></head>"
        "<body style=\"overflow-wrap: break-word;\">小区东门外的排水沟已经堵了一个多月。"
        "<img src=\"cid:AB12CD34@apple\"></body></html>").encode()).encode()
    + b"\n--Apple-Mail=_REL-34\nContent-Transfer-Encoding: base64\nContent-Disposition: inline;\n"
    b"\tfilename=IMG_2041.jpeg\nContent-Type: image/jpeg;\n\tx-unix-mode=0644;\n\tname=\"IMG_2041.jpeg\"\n"
    b"Content-Id: <AB12CD34@apple>\n\n/9j/4AAQSkZJRg==\n--Apple-Mail=_REL-34--\n\n"
    b"--Apple-Mail=_5E0C2B8A-1B2C-4D5E-8F90-123456789ABC--\n",
    {"subject": "排水沟堵塞", "from": "陈静 <chenjing@icloud.com>", "date": E32,
     "excerpt": "小区东门外的排水沟已经堵了一个多月，一下雨就漫到路上，老人小孩进出很不方便，希望尽快派人疏通。 [附图]",
     "attachments": "IMG_2041.jpeg", "message_id": "5E0C2B8A-1B2C@icloud.com"})

# 35. Outlook for Windows (Chinese): quoted "=?gb2312?B?…?=" display name,
# winmail.dat (application/ms-tnef), "-----原始邮件-----" quote.
own = "附件是小区业主的联名信，请查收。"
write_k("35-outlook-tnef",
    b"From: \"" + bb("gb2312", "赵建国", "gb18030") + b"\" <zhaojg@example.com.cn>\nTo: <nhtxw2013@126.com>\n"
    b"Subject: " + bb("gb2312", "答复: 联名信", "gb18030") + b"\nDate: " + D32.encode()
    + b"\nMessage-ID: <000001db4a1b$2c3d4e50$85f6eaf0$@example.com.cn>\nMIME-Version: 1.0\n"
    b"Content-Type: multipart/mixed;\n\tboundary=\"----=_NextPart_000_0001_01DB4A5E.3A6B1E50\"\n"
    b"X-Mailer: Microsoft Outlook 16.0\nThread-Index: AdtKGyw9TlCF9urwQ2FkZWU=\nContent-Language: zh-cn\n\n"
    b"This is a multipart message in MIME format.\n\n------=_NextPart_000_0001_01DB4A5E.3A6B1E50\n"
    b"Content-Type: text/plain;\n\tcharset=\"gb2312\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b((own + "\n\n-----原始邮件-----\n发件人: 县整改办 [mailto:nhtxw2013@126.com] \n"
        "发送时间: 2026年11月30日 10:00\n收件人: 赵建国\n主题: 联名信\n\n请把联名信发过来。\n").encode("gb18030"))
    + b"\n------=_NextPart_000_0001_01DB4A5E.3A6B1E50\nContent-Type: application/ms-tnef;\n\tname=\"winmail.dat\"\n"
    b"Content-Transfer-Encoding: base64\nContent-Disposition: attachment;\n\tfilename=\"winmail.dat\"\n\n"
    b"eJ8+IgEAAQaQCAAEAAAAAAABAAEAAQeQBgAIAAAA5AQAAAAAAADoAAEIgAcAGAAAAElQTS5NaWNy\n"
    b"\n------=_NextPart_000_0001_01DB4A5E.3A6B1E50--\n",
    {"subject": "答复: 联名信", "from": "赵建国 <zhaojg@example.com.cn>", "date": E32,
     "excerpt": own, "attachments": "winmail.dat",
     "message_id": "000001db4a1b$2c3d4e50$85f6eaf0$@example.com.cn"})

# 36. S/MIME signed (Outlook, Thunderbird): multipart/signed around
# multipart/alternative; smime.p7s is the signature, not the sender's file.
write_k("36-smime-signed",
    b"From: " + bb("utf-8", "孙律师") + b" <sun@lawfirm.example.cn>\nSubject: " + bb("utf-8", "关于拆迁补偿的法律意见")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <36smime@lawfirm.example.cn>\nMIME-Version: 1.0\n"
    b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\n"
    b"\tmicalg=sha-256; boundary=\"----=_NextPart_S36\"\n\nThis is a cryptographically signed message in MIME format.\n\n"
    b"------=_NextPart_S36\nContent-Type: multipart/alternative; boundary=\"----=_NextPart_A36\"\n\n\n"
    b"------=_NextPart_A36\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b("受当事人委托，就拆迁补偿标准提出书面意见。\n".encode())
    + b"\n------=_NextPart_A36\nContent-Type: text/html; charset=\"utf-8\"\n\n" + "<p>受当事人委托</p>\n".encode()
    + b"------=_NextPart_A36--\n\n------=_NextPart_S36\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\n"
    b"Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"smime.p7s\"\n\n"
    b"MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCCA6Aw\n\n"
    b"------=_NextPart_S36--\n",
    {"subject": "关于拆迁补偿的法律意见", "from": "孙律师 <sun@lawfirm.example.cn>", "date": E32,
     "excerpt": "受当事人委托，就拆迁补偿标准提出书面意见。", "message_id": "36smime@lawfirm.example.cn"})

# 37. PGP/MIME signed (Thunderbird 78+): multipart/signed, the text in a
# multipart/mixed with protected headers, OpenPGP_signature.asc.
write_k("37-pgp-signed",
    b"Message-ID: <37pgp@riseup.example.net>\nDate: " + D32.encode() + b"\nMIME-Version: 1.0\n"
    b"User-Agent: Mozilla Thunderbird\nFrom: Zhou Li <zhouli@riseup.example.net>\nSubject: " + bb("UTF-8", "公示名单有误")
    + b"\nContent-Type: multipart/signed; micalg=pgp-sha256;\n protocol=\"application/pgp-signature\";\n"
    b" boundary=\"------------sig37AbCdEf\"\n\nThis is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n"
    b"--------------sig37AbCdEf\nContent-Type: multipart/mixed; boundary=\"------------mix37\";\n"
    b" protected-headers=\"v1\"\nFrom: Zhou Li <zhouli@riseup.example.net>\n\n--------------mix37\n"
    b"Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: quoted-printable\n\n"
    + qp("公示名单第 12 号的姓名写错了，应为“周莉”。\n\n".encode()).encode()
    + b"\n--------------mix37--\n\n--------------sig37AbCdEf\nContent-Type: application/pgp-signature; name=\"OpenPGP_signature.asc\"\n"
    b"Content-Description: OpenPGP digital signature\nContent-Disposition: attachment; filename=\"OpenPGP_signature.asc\"\n\n"
    b"-----BEGIN PGP SIGNATURE-----\n\nwnsEARYIACMWIQTq\n=AbCd\n-----END PGP SIGNATURE-----\n\n"
    b"--------------sig37AbCdEf--\n",
    {"subject": "公示名单有误", "from": "Zhou Li <zhouli@riseup.example.net>", "date": E32,
     "excerpt": "公示名单第 12 号的姓名写错了，应为“周莉”。", "message_id": "37pgp@riseup.example.net"})

# 38. A read receipt (MDN, RFC 8098) from Outlook in Chinese: a
# multipart/report, but of a disposition, not a delivery failure: like an
# auto-reply, it is kept and not counted as 群众意见.
write_k("38-mdn-read-receipt",
    b"From: " + bb("gb2312", "李主任", "gb18030") + b" <lizr@example.gov.cn>\nTo: <nhtxw2013@126.com>\n"
    b"Subject: " + bb("gb2312", "已读: 关于整改进度的通知", "gb18030") + b"\nDate: " + D32.encode()
    + b"\nMessage-ID: <38mdn@example.gov.cn>\nMIME-Version: 1.0\n"
    b"Content-Type: multipart/report; report-type=disposition-notification;\n\tboundary=\"----=_NextPart_R38\"\n"
    b"X-Mailer: Microsoft Outlook 16.0\n\n------=_NextPart_R38\nContent-Type: text/plain;\n\tcharset=\"gb2312\"\n"
    b"Content-Transfer-Encoding: base64\n\n"
    + b64b("您的邮件\n\n  收件人: 李主任\n  主题: 关于整改进度的通知\n\n已于 2026/12/1 9:12 阅读。\n".encode("gb18030"))
    + b"\n------=_NextPart_R38\nContent-Type: message/disposition-notification\n\n"
    b"Reporting-UA: example.gov.cn; Microsoft Outlook 16.0\nFinal-Recipient: rfc822;lizr@example.gov.cn\n"
    b"Original-Message-ID: <remind.38@example.org>\nDisposition: manual-action/MDN-sent-manually; displayed\n\n"
    b"------=_NextPart_R38--\n",
    {"subject": "已读: 关于整改进度的通知", "from": "李主任 <lizr@example.gov.cn>", "date": E32,
     "excerpt": "您的邮件 收件人: 李主任 主题: 关于整改进度的通知 已于 2026/12/1 9:12 阅读。",
     "message_id": "38mdn@example.gov.cn", "kind": "auto"})

# 39. An Outlook meeting request: text/plain, text/html and text/calendar
# (method=REQUEST) alternatives, and the invite as invite.ics.
write_k("39-calendar-invite",
    b"From: =?utf-8?B?" + base64.b64encode("社区网格员".encode()) + b"?= <wangge@example.cn>\n"
    b"Subject: " + bb("utf-8", "邀请: 整改现场会 @ 2026年12月3日 09:00") + b"\nDate: " + D32.encode()
    + b"\nMessage-ID: <39ics@example.cn>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"M39\"\n\n"
    b"--M39\nContent-Type: multipart/alternative; boundary=\"A39\"\n\n--A39\n"
    b"Content-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b("请各位居民代表参加整改现场会。\n".encode())
    + b"\n--A39\nContent-Type: text/html; charset=\"utf-8\"\n\n" + "<p>请各位居民代表参加</p>\n".encode()
    + b"--A39\nContent-Type: text/calendar; charset=\"utf-8\"; method=REQUEST\nContent-Transfer-Encoding: 7bit\n\n"
    b"BEGIN:VCALENDAR\nMETHOD:REQUEST\nPRODID:Microsoft Exchange Server 2010\nVERSION:2.0\nBEGIN:VEVENT\n"
    b"SUMMARY:meeting\nDTSTART:20261203T010000Z\nEND:VEVENT\nEND:VCALENDAR\n--A39--\n\n"
    b"--M39\nContent-Type: application/ics; name=\"invite.ics\"\nContent-Disposition: attachment; filename=\"invite.ics\"\n"
    b"Content-Transfer-Encoding: base64\n\nQkVHSU46VkNBTEVOREFS\n--M39--\n",
    {"subject": "邀请: 整改现场会 @ 2026年12月3日 09:00", "from": "社区网格员 <wangge@example.cn>", "date": E32,
     "excerpt": "请各位居民代表参加整改现场会。", "attachments": "invite.ics", "message_id": "39ics@example.cn"})

# 40. Upper- and odd-case MIME words: "Content-Transfer-Encoding: BASE64 "
# (trailing blank), "TEXT/PLAIN; CHARSET=UTF-8", a "Quoted-Printable" part.
write_k("40-cte-case",
    b"From: Case@Example.CN\nSubject: =?UTF-8?b?" + base64.b64encode("大小写".encode()) + b"?=\nDate: " + D32.encode()
    + b"\nMessage-ID: <40case@example.cn>\nMIME-Version: 1.0\nContent-Type: MULTIPART/MIXED; BOUNDARY=\"C40\"\n\n"
    b"--C40\nCONTENT-TYPE: TEXT/PLAIN; CHARSET=UTF-8\nCONTENT-TRANSFER-ENCODING: BASE64 \n\n"
    + b64b("编码名是大写的。\n".encode()) + b"--C40\nContent-Type: Text/Plain; Charset=\"GBK\"; Name=\"note.txt\"\n"
    b"Content-Disposition: Attachment; FileName=\"note.txt\"\nContent-Transfer-Encoding: Quoted-Printable\n\n"
    + qp("附件".encode("gbk")).encode() + b"\n--C40--\n",
    {"subject": "大小写", "from": "Case@Example.CN", "date": E32,
     "excerpt": "编码名是大写的。", "attachments": "note.txt", "message_id": "40case@example.cn"})

# 41. An Android phone mailer: From with only "<address>", 8bit UTF-8 with
# no charset, and the phone's trailer "发自我的华为手机".
write_k("41-android-8bit",
    b"From: <anon2026@139.com>\nTo: nhtxw2013@126.com\nSubject: " + bb("UTF-8", "公交站牌")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <41android@139.com>\nMIME-Version: 1.0\n"
    b"Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n"
    + "人民路公交站牌被撞歪了，有安全隐患。\n\n\n发自我的华为手机\n".encode(),
    {"subject": "公交站牌", "from": "anon2026@139.com", "date": E32,
     "excerpt": "人民路公交站牌被撞歪了，有安全隐患。", "message_id": "41android@139.com"})

# 42. Windows-1252 smart quotes under an ISO-8859-1 label (Outlook in
# English): 0x93/0x94/0x96 are C1 controls in ISO-8859-1, quotes and a
# dash in what every mailer means.
t42 = "Dear Sir, the \u201cfeedback\u201d box at the caf\u00e9 \u2013 near the school \u2013 is broken.\n"
write_k("42-cp1252-as-latin1",
    b"From: John Smith <john.smith@example.co.uk>\nSubject: =?iso-8859-1?Q?Caf=E9_=93feedback=94_box?=\n"
    b"Date: " + D32.encode() + b"\nMessage-ID: <42latin@example.co.uk>\nMIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n\n"
    + qp(t42.encode("cp1252")).encode(),
    {"subject": "Caf\u00e9 \u201cfeedback\u201d box", "from": "John Smith <john.smith@example.co.uk>", "date": E32,
     "excerpt": t42.strip(), "message_id": "42latin@example.co.uk"})

# 43. A Japanese resident's Windows mailer: Shift_JIS as Microsoft writes
# it (CP932: NEC's circled digits), in the Subject's word and the body.
write_k("43-shift-jis",
    b"From: " + bb("Shift_JIS", "田中", "cp932") + b" <tanaka@example.jp>\nSubject: " + bb("Shift_JIS", "①ゴミ収集について", "cp932")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <43sjis@example.jp>\nMIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=\"Shift_JIS\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b("①燃えるゴミ ②資源ゴミの日を教えてください。\n".encode("cp932")),
    {"subject": "①ゴミ収集について", "from": "田中 <tanaka@example.jp>", "date": E32,
     "excerpt": "①燃えるゴミ ②資源ゴミの日を教えてください。", "message_id": "43sjis@example.jp"})

# 44. A Korean resident's Outlook: ks_c_5601-1987 (CP949: 똠 is outside
# EUC-KR's KS X 1001) in the Subject's word and the body.
write_k("44-ks-c-5601",
    b"From: " + bb("ks_c_5601-1987", "김민수", "cp949") + b" <minsu.kim@example.kr>\nSubject: "
    + bb("ks_c_5601-1987", "똠방 주차 문제", "cp949") + b"\nDate: " + D32.encode()
    + b"\nMessage-ID: <44kr@example.kr>\nMIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=\"ks_c_5601-1987\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b("아파트 앞 불법 주차를 단속해 주세요.\n".encode("cp949")),
    {"subject": "똠방 주차 문제", "from": "김민수 <minsu.kim@example.kr>", "date": E32,
     "excerpt": "아파트 앞 불법 주차를 단속해 주세요.", "message_id": "44kr@example.kr"})

# 45. Long Chinese file names: RFC 2231 continuations (filename*0*=,
# filename*1*=; Thunderbird) and a quoted name of two encoded words with
# a character split between them (Foxmail, Coremail).
n1 = "关于东门排水沟堵塞问题的现场照片和说明材料.docx"
e1 = "".join("%%%02X" % c for c in n1.encode())
n2 = "业主联名信（第二批）.pdf"
r2 = n2.encode("gbk")
write_k("45-rfc2231-names",
    b"From: tb@example.cn\nSubject: " + bb("utf-8", "材料") + b"\nDate: " + D32.encode()
    + b"\nMessage-ID: <45names@example.cn>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"N45\"\n\n"
    b"--N45\nContent-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 8bit\n\n"
    + "材料见附件。\n".encode() + b"\n--N45\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;\n"
    b" name*0*=UTF-8''" + e1[:90].encode() + b";\n name*1*=" + e1[90:].encode() + b"\n"
    b"Content-Disposition: attachment;\n filename*0*=UTF-8''" + e1[:90].encode() + b";\n filename*1*="
    + e1[90:].encode() + b"\nContent-Transfer-Encoding: base64\n\nUEsDBA==\n"
    b"--N45\nContent-Type: application/pdf;\n\tname=\"=?GBK?B?" + base64.b64encode(r2[:9]) + b"?=\n\t=?GBK?B?"
    + base64.b64encode(r2[9:]) + b"?=\"\nContent-Disposition: attachment;\n\tfilename=\"=?GBK?B?"
    + base64.b64encode(r2[:9]) + b"?=\n\t=?GBK?B?" + base64.b64encode(r2[9:]) + b"?=\"\n"
    b"Content-Transfer-Encoding: base64\n\nJVBERi0=\n--N45--\n",
    {"subject": "材料", "from": "tb@example.cn", "date": E32, "excerpt": "材料见附件。",
     "attachments": n1 + "|" + n2, "message_id": "45names@example.cn"})

# 46. A very long subject folded over many lines, one encoded word a line
# (NetEase webmail), with an ASCII run between words.
s46 = "关于城关镇人民路与解放路交叉口红绿灯时长过短、行人无法在绿灯时间内通过斑马线、老年人和学生过马路存在严重安全隐患的问题反映及整改建议"
words = [s46[i:i + 12] for i in range(0, len(s46), 12)]
write_k("46-long-subject",
    b"From: " + bb("GBK", "周建华", "gbk") + b" <zjh@163.com>\nSubject: Re:" + b"".join(b"\n " + bb("GBK", w, "gbk") for w in words[:3])
    + b"\n (2026)" + b"".join(b"\n " + bb("GBK", w, "gbk") for w in words[3:]) + b"\nDate: " + D32.encode()
    + b"\nMessage-ID: <46long@163.com>\nContent-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: base64\n\n"
    + b64b("详见标题。\n".encode("gbk")),
    {"subject": "Re: " + "".join(words[:3]) + " (2026) " + "".join(words[3:]), "from": "周建华 <zjh@163.com>",
     "date": E32, "excerpt": "详见标题。", "message_id": "46long@163.com"})

# 47. Empty Subject, HTML only from a Chinese rich-text editor (UEditor,
# Coremail): <br>, &nbsp;, &emsp; indents, numeric entities (&#20320;).
write_k("47-empty-subject-html",
    b"From: editor@example.cn\nSubject: \nDate: " + D32.encode() + b"\nMessage-ID: <47html@example.cn>\n"
    b"MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
    + b64b("<div style=\"line-height:1.7;font-size:14px;font-family:Arial\"><p>&emsp;&emsp;&#20320;&#22909;！"
        "菜价标牌写的是5&yen;一斤，实际收6&yen;。<br/>请&nbsp;&nbsp;物价局查一查&hellip;</p><p><br></p></div>".encode()),
    {"subject": "", "from": "editor@example.cn", "date": E32,
     "excerpt": "你好！菜价标牌写的是5¥一斤，实际收6¥。 请 物价局查一查…", "message_id": "47html@example.cn"})

# 48. Outlook (2016 and later, Chinese) reply: no separator line, the
# quoted mail starts with a "发件人: / 发送时间:" header block.
own = "谢谢答复。但施工时间仍然是晚上十一点以后。"
write_k("48-outlook-header-quote",
    b"From: " + bb("gb2312", "吴敏", "gb18030") + b" <wumin@outlook.com>\nSubject: " + bb("gb2312", "回复: 夜间施工", "gb18030")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <48hdr@outlook.com>\nMIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=\"gb2312\"\nContent-Transfer-Encoding: quoted-printable\n\n"
    + qp((own + "\n\n________________________________\n发件人: 县整改办 <nhtxw2013@126.com>\n"
        "发送时间: 2026年11月30日 10:00\n收件人: 吴敏 <wumin@outlook.com>\n主题: 夜间施工\n\n已通知施工单位。\n").encode("gb18030")).encode(),
    {"subject": "回复: 夜间施工", "from": "吴敏 <wumin@outlook.com>", "date": E32, "excerpt": own,
     "message_id": "48hdr@outlook.com"})

# 49-55. Date shapes seen in the wild (RFC 5322 4.3 obsolete forms among them).
def dated(name, date, expect_date, body="日期测试。"):
    write_k(name,
        b"From: d@example.cn\nSubject: " + name.encode() + b"\nDate: " + date.encode() + b"\nMessage-ID: <"
        + name.encode() + b"@example.cn>\nContent-Type: text/plain; charset=utf-8\n\n" + (body + "\n").encode(),
        {"subject": name, "from": "d@example.cn", "date": expect_date, "excerpt": body,
         "message_id": name + "@example.cn"})
U = ts("Tue, 01 Dec 2026 01:00:00 +0000")
dated("49-date-gmt", "Tue, 1 Dec 2026 01:00:00 GMT", U)
dated("50-date-no-dayname-comment", "1 Dec 2026 09:00:00 +0800 (CST)", U)
dated("51-date-chinese-comment", "Tue, 01 Dec 2026 09:00:00 +0800 (中国标准时间)", U)
dated("52-date-two-digit-year", "Tue, 01 Dec 26 09:00 +0800", U)
dated("53-date-chinese", "2026年12月1日 09:00:00", "%d assumed" % U)
dated("54-date-rfc850-ut", "Tuesday, 01-Dec-26 01:00:00 UT", U)
dated("55-date-asctime", "Tue Dec  1 09:00:00 2026", "%d assumed" % U)

# 56. "Forward as attachment" (Outlook, Thunderbird): nothing of one's own,
# the citizen's mail as message/rfc822 named 关于占道.eml.
inner = ("From: =?utf-8?B?" + base64.b64encode("居民".encode()).decode() + "?= <jumin@example.cn>\n"
    "Subject: =?utf-8?B?" + base64.b64encode("占道经营".encode()).decode() + "?=\nDate: " + D11 + "\n"
    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
    + b64("早市摊贩占满人行道，轮椅过不去。\n".encode()) + "\n")
write_k("56-forward-as-attachment",
    b"From: forward@example.cn\nSubject: " + bb("utf-8", "FW: 占道经营") + b"\nDate: " + D32.encode()
    + b"\nMessage-ID: <56fwd@example.cn>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"F56\"\n\n"
    b"--F56\nContent-Type: text/plain; charset=utf-8\n\n\n--F56\nContent-Type: message/rfc822; name=\""
    + bb("utf-8", "关于占道.eml") + b"\"\nContent-Disposition: attachment; filename=\"" + bb("utf-8", "关于占道.eml")
    + b"\"\n\n" + inner.encode() + b"\n--F56--\n",
    {"subject": "FW: 占道经营", "from": "forward@example.cn", "date": E32,
     "excerpt": "早市摊贩占满人行道，轮椅过不去。", "attachments": "关于占道.eml", "message_id": "56fwd@example.cn"})

# 57. Thunderbird (Chinese) inline forward with a line of one's own above
# "-------- 转发的消息 --------".
own = "请领导看看这个情况。"
write_k("57-thunderbird-forward",
    b"From: " + bb("UTF-8", "马骏") + b" <majun@example.cn>\nSubject: " + bb("UTF-8", "Fwd: 学校门口违停")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <57fwd@example.cn>\nUser-Agent: Mozilla Thunderbird\n"
    b"MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 8bit\n\n"
    + (own + "\n\n\n-------- 转发的消息 --------\n主题: \t学校门口违停\n日期: \tMon, 30 Nov 2026 10:00:00 +0800\n"
        "发件人: \t家长 <jiazhang@example.cn>\n收件人: \tmajun@example.cn\n\n\n\n每天放学门口都停满了车。\n").encode(),
    {"subject": "Fwd: 学校门口违停", "from": "马骏 <majun@example.cn>", "date": E32, "excerpt": own,
     "message_id": "57fwd@example.cn"})

# 58. Thunderbird (Chinese) reply, format=flowed (delsp=no): "在 … 写道:"
# then "> " lines; a "-- " signature before the quote.
write_k("58-thunderbird-reply",
    b"Message-ID: <58tb@example.cn>\nDate: " + D32.encode() + b"\nMIME-Version: 1.0\nUser-Agent: Mozilla Thunderbird\n"
    b"Subject: " + bb("UTF-8", "Re: 回复: 路面塌陷") + b"\nFrom: Huang Lei <huanglei@example.cn>\n"
    b"Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 8bit\n\n"
    + ("The hole on Jiefang Road is still \nthere, a cyclist fell yesterday.\n\n-- \nHuang Lei\n\n"
       "在 2026/11/30 10:00, 县整改办 写道:\n> 已派人查看。\n").encode(),
    {"subject": "Re: 回复: 路面塌陷", "from": "Huang Lei <huanglei@example.cn>", "date": E32,
     "excerpt": "The hole on Jiefang Road is still there, a cyclist fell yesterday.", "message_id": "58tb@example.cn"})

# 59. UTF-7 (RFC 2152), 7-bit on the wire: a label only old Windows mailers use.
write_k("59-utf7",
    b"From: u7@example.cn\nSubject: =?utf-7?Q?" + "路灯".encode("utf-7").replace(b"+", b"+").replace(b"=", b"=3D") + b"?=\nDate: "
    + D32.encode() + b"\nMessage-ID: <59u7@example.cn>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-7\n\n"
    + "路灯不亮了。\n".encode("utf-7"),
    {"subject": "路灯", "from": "u7@example.cn", "date": E32, "excerpt": "路灯不亮了。", "message_id": "59u7@example.cn"})

# 60. iPhone Mail (Chinese): "发自我的iPhone", then the quote whose
# attribution line is quoted too ("> 在 2026年…写道：").
own = "还是没人来处理。"
write_k("60-iphone-reply",
    b"Content-Type: text/plain;\n\tcharset=utf-8\nContent-Transfer-Encoding: quoted-printable\n"
    b"From: " + bb("utf-8", "郑女士") + b" <zheng@icloud.com>\nMime-Version: 1.0 (1.0)\nDate: " + D32.encode()
    + b"\nSubject: " + bb("utf-8", "回复：小区噪音") + b"\nMessage-Id: <60iphone@icloud.com>\nTo: nhtxw2013@126.com\n"
    b"X-Mailer: iPhone Mail (22B91)\n\n"
    + qp((own + "\n\n发自我的iPhone\n\n> 在 2026年11月30日，10:00，县整改办 <nhtxw2013@126.com> 写道：\n> \n"
        "> \ufeff已转交物业。\n").encode()).encode(),
    {"subject": "回复：小区噪音", "from": "郑女士 <zheng@icloud.com>", "date": E32, "excerpt": own,
     "message_id": "60iphone@icloud.com"})

# 61. NetEase Mail Master (网易邮箱大师) on a phone: HTML only, its
# signature "发自网易邮箱大师" and "---- 回复的原邮件 ----".
write_k("61-mailmaster-html",
    b"From: " + bb("UTF-8", "钱先生") + b" <qian@163.com>\nSubject: " + bb("UTF-8", "回复:菜市场卫生")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <61mm@163.com>\nMIME-Version: 1.0\n"
    b"Content-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n"
    + b64b("<div>菜市场地面污水横流。</div><div><br></div><div id=\"ntes-pcmail-signature\">"
        "<div>发自网易邮箱大师</div></div><div class=\"J-reply\"><div>---- 回复的原邮件 ----</div>"
        "<table><tr><td>发件人</td><td>县整改办</td></tr></table><div>已转市场监管所。</div></div>".encode()),
    {"subject": "回复:菜市场卫生", "from": "钱先生 <qian@163.com>", "date": E32, "excerpt": "菜市场地面污水横流。",
     "message_id": "61mm@163.com"})

# 62. GB18030's four-byte characters (𠮷 U+20BB7) under a GB2312 label,
# in the Subject's word and the body (Foxmail labels all Chinese GB2312).
write_k("62-gb18030-as-gb2312",
    b"From: " + bb("GB2312", "吉𠮷", "gb18030") + b" <jiji@foxmail.com>\nSubject: " + bb("GB2312", "𠮷字写错了", "gb18030")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <62gb@foxmail.com>\nX-Mailer: Foxmail 7.2.25.375[cn]\n"
    b"Mime-Version: 1.0\nContent-Type: text/plain;\n\tcharset=\"GB2312\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b("公示里我的姓“𠮷”印成了“吉”。\n".encode("gb18030")),
    {"subject": "𠮷字写错了", "from": "吉𠮷 <jiji@foxmail.com>", "date": E32,
     "excerpt": "公示里我的姓“𠮷”印成了“吉”。", "message_id": "62gb@foxmail.com"})

# 63. Aliyun Mail reply: a long dashed line, then "发件人：" with
# full-width colons and "发送时间：".
own = "收到，谢谢。周五前会把材料补齐。"
write_k("63-aliyun-quote",
    b"From: " + bb("UTF-8", "冯经理") + b" <feng@aliyun.com>\nSubject: " + bb("UTF-8", "回复：补充材料")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <63ali@aliyun.com>\nX-Mailer: Alimail-Mailagent\n"
    b"MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"----=ALIBOUNDARY_63\"\n\n"
    b"------=ALIBOUNDARY_63\nContent-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b((own + "\n------------------------------------------------------------------\n"
        "发件人：县整改办 <nhtxw2013@126.com>\n发送时间：2026年11月30日(星期一) 10:00\n收件人：冯经理 <feng@aliyun.com>\n"
        "主　题：补充材料\n\n请补充营业执照复印件。\n").encode())
    + b"\n------=ALIBOUNDARY_63\nContent-Type: text/html; charset=\"UTF-8\"\n\n" + ("<div>" + own + "</div>\n").encode()
    + b"------=ALIBOUNDARY_63--\n",
    {"subject": "回复：补充材料", "from": "冯经理 <feng@aliyun.com>", "date": E32, "excerpt": own,
     "message_id": "63ali@aliyun.com"})

# 64. NetEase / Coremail webmail reply: own text, blank lines, then
# 在 2026-11-30 10:00:00，"县整改办" <…> 写道： and ">" without a space.
own = "垃圾清运车每天早上五点作业，噪音太大。"
write_k("64-coremail-reply",
    b"From: \"" + bb("GBK", "褚女士", "gbk") + b"\" <chu_ns@163.com>\nSubject: " + bb("GBK", "Re:Re: 清运噪音", "gbk")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <64cm.1a2b.19390c@163.com>\nX-Mailer: Coremail Webmail Server Version XT5.0.14\n"
    b"MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"----=_Part_64_1234.1796000000\"\n\n"
    b"------=_Part_64_1234.1796000000\nContent-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: base64\n\n"
    + b64b((own + "\n\n\n\n\n\n\n\n\n在 2026-11-30 10:00:00，\"县整改办\" <nhtxw2013@126.com> 写道：\n"
        ">已转环卫处。\n").encode("gbk"))
    + b"\n------=_Part_64_1234.1796000000\nContent-Type: text/html; charset=GBK\nContent-Transfer-Encoding: base64\n\n"
    + b64b(("<div style=\"line-height:1.7;color:#000000;font-size:14px;font-family:Arial\"><div>" + own
        + "</div><br><br><br><div style=\"position:relative;zoom:1\"></div><div id=\"divNeteaseMailCard\"></div><br>"
        "<pre><br>在 2026-11-30 10:00:00，\"县整改办\" &lt;nhtxw2013@126.com&gt; 写道：<br></pre>"
        "<blockquote id=\"isReplyContent\">已转环卫处。</blockquote></div>").encode("gbk"))
    + b"\n------=_Part_64_1234.1796000000--\n",
    {"subject": "Re:Re: 清运噪音", "from": "褚女士 <chu_ns@163.com>", "date": E32, "excerpt": own,
     "message_id": "64cm.1a2b.19390c@163.com"})

# 65-66. ISO 8601 with its own zone (Python's isoformat(), JavaScript's
# toISOString() in web forms): read in that zone, not flagged.
dated("65-date-iso-utc", "2026-12-01T01:00:00Z", U)
dated("66-date-iso-offset", "2026-11-30T20:00:00-05:00", U)

# 67. Outlook for Windows, HTML only (Word's "filtered medium" HTML):
# conditional comments, <o:p>, a list item's "1." and a comment holding
# '>' (a comment is not shown, whatever it holds).
write_k("67-outlook-word-html",
    b"From: " + bb("gb2312", "卫科长", "gb18030") + b" <weike@example.gov.cn>\nSubject: " + bb("gb2312", "路灯", "gb18030")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <67word@example.gov.cn>\nMIME-Version: 1.0\nX-Mailer: Microsoft Outlook 16.0\n"
    b"Content-Type: text/html; charset=\"gb2312\"\nContent-Transfer-Encoding: quoted-printable\n\n"
    + qp(("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head><meta name=Generator content=\"Microsoft Word 15 (filtered medium)\">"
        "<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}</style><![endif]--><style><!--\np.MsoNormal {margin:0cm;}\n--></style>"
        "<!--[if gte mso 9]><xml>\n<o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" />\n</xml><![endif]--></head>"
        "<body lang=ZH-CN><div class=WordSection1><p class=MsoNormal><span style='font-family:等线'>领导您好：<o:p></o:p></span></p>"
        "<p class=MsoListParagraph><![if !supportLists]><span lang=EN-US>1.<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp; </span></span>"
        "<![endif]><span>人民路路灯不亮<o:p></o:p></span></p><!-- 编辑备注: 亮度 > 0 --></div></body></html>\n").encode("gb18030")).encode(),
    {"subject": "路灯", "from": "卫科长 <weike@example.gov.cn>", "date": E32, "excerpt": "领导您好： 1. 人民路路灯不亮",
     "message_id": "67word@example.gov.cn"})

# 68. A read receipt sent as plain mail (Foxmail): kind auto by its subject.
write_k("68-foxmail-receipt",
    b"From: " + bb("GB2312", "楚先生", "gb18030") + b" <chu@foxmail.com>\nSubject: " + bb("GB2312", "已读: 关于整改进度的通知", "gb18030")
    + b"\nDate: " + D32.encode() + b"\nMessage-ID: <68rr@foxmail.com>\nX-Mailer: Foxmail 7.2.25.375[cn]\nMime-Version: 1.0\n"
    b"Content-Type: text/plain;\n\tcharset=\"GB2312\"\nContent-Transfer-Encoding: base64\n\n"
    + b64b("这是邮件回执。\n\n您发给 楚先生 的邮件已被阅读。\n".encode("gb18030")),
    {"subject": "已读: 关于整改进度的通知", "from": "楚先生 <chu@foxmail.com>", "date": E32,
     "excerpt": "这是邮件回执。 您发给 楚先生 的邮件已被阅读。", "message_id": "68rr@foxmail.com", "kind": "auto"})
