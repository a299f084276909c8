#!/usr/bin/python3
"""Lay out HTML files in a running headless Chromium, through the DevTools
protocol on 127.0.0.1 (a WebSocket spoken with the standard library only),
at each viewport width, and check in the page what a reader on a phone or
a desktop would notice: the page is no wider than the window, no content
spills out of its box, and no measure code or person's name is broken
across lines (elements of class "code" or "name", a list of names only at
its 、, and every occurrence of the strings given with --keep, wherever
they stand).  A full-page PNG of each goes to SHOTDIR/NAME-WIDTH.png.

usage: browser.py DEVTOOLS_ACTIVE_PORT_FILE SHOTDIR WIDTH[,WIDTH...]
           [--keep STRING]... [--widths W[,W...]] [--cjk SELECTOR]
           FILE.html...
prints per file and width "ok NAME@WIDTH: ..." or "FAIL NAME@WIDTH: why",
and exits 1 if any failed.  --widths and --cjk apply to the files after
them: --cjk checks that Chromium drew every character of the element
SELECTOR (a report's title) with a CJK font, none with a fallback that
lacks the glyphs (CSS.getPlatformFontsForNode).

Chromium's own --window-size cannot go below 500 px, so the width is set
with Emulation.setDeviceMetricsOverride: a 375 px layout viewport, as a
mail app's web view gives the message on a phone.
"""
import base64
import json
import os
import socket
import struct
import sys

CHECK_JS = r"""
(function (keep) {
	var bad = [];
	var W = window.innerWidth;
	var SW = document.documentElement.scrollWidth;
	/* Line boxes a range's rectangles fall on. */
	function lines(range) {
		var r = [].slice.call(range.getClientRects()).filter(function (x) {
			return x.width > 0 && x.height > 0; });
		var n = 0, bottom = -1e9;
		r.sort(function (a, b) { return a.top - b.top; });
		r.forEach(function (x) {
			if (x.top >= bottom - 1) { n++; bottom = x.bottom; }
			else if (x.bottom > bottom) { bottom = x.bottom; }
		});
		return n;
	}
	function segLines(node, start, end) {
		var range = document.createRange();
		range.setStart(node, start);
		range.setEnd(node, end);
		return lines(range);
	}
	function texts(root) {
		var w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
		var out = [], n;
		while ((n = w.nextNode()) !== null) out.push(n);
		return out;
	}
	if (SW > W)
		bad.push("the page is " + SW + " px wide in a " + W + " px window");
	var marked = document.querySelectorAll(".code, .name");
	[].forEach.call(marked, function (el) {
		var kind = el.classList.contains("code") ? "code" : "name";
		texts(el).forEach(function (t) {
			/* A list of names may break between names, never inside. */
			var re = kind === "name" ? /[^、，,\s]+/g : /\S(.*\S)?/g, m;
			while ((m = re.exec(t.data)) !== null)
				if (segLines(t, m.index, m.index + m[0].length) > 1)
					bad.push(kind + " \"" + m[0] + "\" breaks across lines");
		});
	});
	texts(document.body).forEach(function (t) {
		keep.forEach(function (k) {
			for (var i = t.data.indexOf(k); i >= 0; i = t.data.indexOf(k, i + 1))
				if (segLines(t, i, i + k.length) > 1)
					bad.push("\"" + k + "\" breaks across lines");
		});
	});
	[].forEach.call(document.body.querySelectorAll("*"), function (el) {
		if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
			bad.push("<" + el.tagName.toLowerCase() + "> spills out of its box (" +
			    el.scrollWidth + " > " + el.clientWidth + " px): " +
			    el.textContent.trim().slice(0, 24));
	});
	bad = bad.filter(function (x, i) { return bad.indexOf(x) === i; });
	return { width: W, scrollWidth: SW, marked: marked.length,
	    height: document.documentElement.scrollHeight, bad: bad };
})(KEEP)
"""


class DevTools:
    """One WebSocket to the browser; commands go to a page by session."""

    def __init__(self, port, path):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n"
                           % (path, port, key)).encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            c = self.sock.recv(1)
            if not c:
                raise RuntimeError("DevTools closed the handshake")
            head += c
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("DevTools refused: %r" % head[:200])
        self.next_id = 0
        self.events = []

    def _read(self, n):
        b = b""
        while len(b) < n:
            c = self.sock.recv(n - len(b))
            if not c:
                raise RuntimeError("DevTools closed the connection")
            b += c
        return b

    def _send(self, text, opcode=1):
        data = text.encode() if isinstance(text, str) else text
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + body)

    def _message(self):
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            data = self._read(n)
            op = b0 & 0x0F
            if op == 8:
                raise RuntimeError("DevTools closed the connection")
            if op == 9:
                self._send(data, 10)
                continue
            if op == 10:
                continue
            parts.append(data)
            if b0 & 0x80:
                return json.loads(b"".join(parts))

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._send(json.dumps(msg))
        while True:
            m = self._message()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m["result"]
            self.events.append(m)

    def wait(self, event, session):
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == event and m.get("sessionId") == session:
                    del self.events[i]
                    return m
            self.events.append(self._message())


# A family that has the Chinese glyphs (fonts-noto-cjk, or a Windows or
# office font an admin may install).
CJK_FONT = ("CJK", "Hei", "Song", "Kai", "Fang", "Ming", "WenQuanYi",
            "黑体", "宋", "楷", "仿宋", "小标宋")


def cjk_fonts(dt, session, selector):
    """Why the element's text is not all drawn by CJK fonts, or None."""
    dt.call("DOM.enable", {}, session)
    dt.call("CSS.enable", {}, session)
    root = dt.call("DOM.getDocument", {"depth": 0}, session)["root"]
    node = dt.call("DOM.querySelector", {"nodeId": root["nodeId"],
                                         "selector": selector}, session)
    if not node.get("nodeId"):
        return "no %s in the page" % selector
    fonts = dt.call("CSS.getPlatformFontsForNode",
                    {"nodeId": node["nodeId"]}, session)["fonts"]
    other = [f["familyName"] for f in fonts
             if not any(k in f["familyName"] for k in CJK_FONT)]
    if not fonts:
        return "%s has no text drawn" % selector
    if other:
        return "%s drawn partly with %s" % (selector, ", ".join(other))
    return None


def check(dt, session, path, width, keep, shotdir, cjk=None):
    name = os.path.splitext(os.path.basename(path))[0]
    dt.call("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 800, "deviceScaleFactor": 1,
        "mobile": False}, session)
    dt.events.clear()
    dt.call("Page.navigate", {"url": "file://" + os.path.abspath(path)},
            session)
    dt.wait("Page.loadEventFired", session)
    js = CHECK_JS.replace("KEEP", json.dumps(keep))
    r = dt.call("Runtime.evaluate", {"expression": js,
                                     "returnByValue": True}, session)
    if "exceptionDetails" in r:
        return False, "%s@%d: script failed: %s" % (
            name, width, r["exceptionDetails"])
    v = r["result"]["value"]
    # The whole page in one picture, for a person to look at.
    dt.call("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": max(v["height"], 100),
        "deviceScaleFactor": 1, "mobile": False}, session)
    shot = dt.call("Page.captureScreenshot", {"format": "png"}, session)
    with open(os.path.join(shotdir, "%s-%d.png" % (name, width)), "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    if v["width"] != width:
        v["bad"].insert(0, "the window is %d px, not %d" % (v["width"], width))
    if v["marked"] == 0:
        v["bad"].append("no element is marked as a code or a name")
    fonts = ""
    if cjk:
        why = cjk_fonts(dt, session, cjk)
        if why:
            v["bad"].append(why)
        fonts = ", %s in a CJK font" % cjk
    if v["bad"]:
        return False, "%s@%d: %s" % (name, width, "; ".join(v["bad"]))
    return True, "%s@%d: %d px wide, %d codes and names on one line each%s" % (
        name, width, v["scrollWidth"], v["marked"], fonts)


def main():
    args = sys.argv[1:]
    portfile, shotdir, widths = args[0], args[1], args[2]
    keep, files, i, cjk = [], [], 3, None
    while i < len(args):
        if args[i] == "--keep":
            keep.append(args[i + 1])
            i += 2
        elif args[i] == "--widths":
            widths = args[i + 1]
            i += 2
        elif args[i] == "--cjk":
            cjk = args[i + 1]
            i += 2
        else:
            files.append((args[i], widths, cjk))
            i += 1
    with open(portfile) as f:
        port, path = f.read().split("\n")[:2]
    dt = DevTools(int(port), path)
    target = dt.call("Target.createTarget", {"url": "about:blank"})
    session = dt.call("Target.attachToTarget", {
        "targetId": target["targetId"], "flatten": True})["sessionId"]
    dt.call("Page.enable", {}, session)
    failed = 0
    for p, ws, sel in files:
        for w in ws.split(","):
            good, text = check(dt, session, p, int(w), keep, shotdir, sel)
            print(("ok   " if good else "FAIL ") + text)
            failed += not good
    dt.call("Target.closeTarget", {"targetId": target["targetId"]})
    try:
        dt.call("Browser.close")
    except RuntimeError:
        pass        # it closed the connection first
    return 1 if failed else 0


sys.exit(main())
