#!/usr/bin/python3
"""A small IMAP server on 127.0.0.1 that speaks just enough for dutyd
(LOGIN, ID, EXAMINE/SELECT, UID FETCH, UID STORE, LOGOUT) and then
misbehaves on purpose:

  --mode normal   answers every FETCH properly
  --mode trickle  answers a message's FETCH with its literal one byte
                  every --every seconds (a server under any low-speed
                  threshold, forever)
  --mode huge     announces a {999999999} literal for the message whose
                  UID is --huge-uid (listed as small); its headers, when
                  asked for alone, come properly
  --mode silent   accepts the connection and never says a word (for an
                  imaps:// client: a TLS handshake that never starts)
  --mode inject   answers STARTTLS with OK and, in the same write, a
                  line that would be read as if it came over TLS
                  (libetpan's CVE-2020-15953), then waits
  --mode tlsdrip  answers a TLS ClientHello with the header of a 16 KiB
                  handshake record, then one byte of it every --every
                  seconds (a handshake always making progress, forever)

Messages are the files given with --msg, UIDs 1, 2, ... in that order.
Every command received is appended to --log (one line each).
"""
import argparse, re, socketserver, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--addr", default="127.0.0.1")
ap.add_argument("--pidfile", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--mode", default="normal")
ap.add_argument("--every", type=float, default=0.5)
ap.add_argument("--huge-uid", type=int, default=2)
ap.add_argument("--msg", action="append", default=[])
a = ap.parse_args()
MSGS = [open(f, "rb").read() for f in a.msg]
lock = threading.Lock()


def log(line):
    with lock, open(a.log, "a") as f:
        f.write(line + "\n")


def uids(spec):
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition(":")
        lo = len(MSGS) if lo == "*" else int(lo)
        hi = lo if not hi else len(MSGS) if hi == "*" else int(hi)
        lo, hi = min(lo, hi), max(lo, hi)
        out += [u for u in range(lo, hi + 1) if 1 <= u <= len(MSGS)]
    if not out and MSGS and spec.endswith("*"):
        out = [len(MSGS)]  # "n:*" past the end answers for the last
    return out


class H(socketserver.StreamRequestHandler):
    # Each answer is written in pieces: without this, Nagle's algorithm
    # and the client's delayed ACK cost 40 ms a command.
    disable_nagle_algorithm = True

    def send(self, b):
        self.wfile.write(b)
        self.wfile.flush()

    def handle(self):
        if a.mode in ("silent", "tlsdrip"):
            return self.stall()
        self.send(b"* OK [CAPABILITY IMAP4rev1 ID] badimapd ready\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("latin-1").rstrip("\r\n")
            log(re.sub(r"(LOGIN \S+) .*", r"\1 ***", text))
            tag, _, rest = text.partition(" ")
            cmd = rest.split(" ")[0].upper()
            if cmd == "UID":
                cmd = "UID " + rest.split(" ")[1].upper()
            if cmd == "LOGOUT":
                self.send(b"* BYE bye\r\n" + tag.encode() + b" OK bye\r\n")
                return
            if cmd == "STARTTLS" and a.mode == "inject":
                self.send(tag.encode() + b" OK begin TLS\r\n"
                    b"* OK [ALERT] not over TLS\r\n")
                return self.stall()
            if cmd == "ID":
                self.send(b"* ID NIL\r\n")
            elif cmd == "CAPABILITY":
                self.send(b"* CAPABILITY IMAP4rev1 ID\r\n")
            elif cmd in ("EXAMINE", "SELECT"):
                self.send(b"* %d EXISTS\r\n* 0 RECENT\r\n"
                    b"* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT %d] ok\r\n"
                    % (len(MSGS), len(MSGS) + 1))
            elif cmd == "UID FETCH":
                if self.fetch(rest.split(" ", 2)[2]) is False:
                    return
            self.send(tag.encode() + b" OK done\r\n")

    def stall(self):
        log("connected")
        if a.mode == "tlsdrip":
            self.request.recv(4096)  # the ClientHello
            log("hello")
            self.send(b"\x16\x03\x03\x40\x00")
            for _ in range(100000):
                self.send(b"\x02")
                time.sleep(a.every)
        while self.request.recv(4096):
            pass
        log("closed")

    def fetch(self, args):
        spec, _, items = args.partition(" ")
        for u in uids(spec):
            m = MSGS[u - 1]
            if "RFC822.SIZE" in items:
                size = 300 if a.mode == "huge" and u == a.huge_uid else len(m)
                self.send(b"* %d FETCH (UID %d RFC822.SIZE %d)\r\n" % (u, u, size))
                continue
            if "HEADER" in items:
                h = m[:m.index(b"\r\n\r\n") + 4]
                self.send(b"* %d FETCH (UID %d BODY[HEADER]<0> {%d}\r\n" % (u, u, len(h))
                    + h + b")\r\n")
                continue
            if a.mode == "huge" and u == a.huge_uid:
                self.send(b"* %d FETCH (UID %d BODY[] {999999999}\r\n" % (u, u)
                    + b"x" * 4096)
                time.sleep(30)
                return False
            if a.mode == "trickle":
                self.send(b"* %d FETCH (UID %d BODY[] {%d}\r\n" % (u, u, len(m)))
                for c in m * 1000:
                    self.send(bytes([c]))
                    time.sleep(a.every)
            self.send(b"* %d FETCH (UID %d BODY[] {%d}\r\n" % (u, u, len(m))
                + m + b")\r\n")
        return True


class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


srv = S((a.addr, a.port), H)
open(a.pidfile, "w").write("ready\n")
try:
    srv.serve_forever()
except KeyboardInterrupt:
    pass
