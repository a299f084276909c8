#!/usr/bin/python3
"""A real SMTP server for dutyd's tests, built on aiosmtpd.

Run with Debian's /usr/bin/python3 (python3-aiosmtpd).  Each accepted
message becomes DIR/<n>.eml and one line in DIR/log:

    msg=1 conn=127.0.0.1:40312 tls=yes auth=alice from=<a@x.org> to=<b@y.org>

Refused commands are logged as "refused ...".  Once listening it writes
the pidfile (atomically) and prints "ready PORT" on stdout, so --port 0
picks a free port.  SIGTERM and SIGINT stop it.

Failure modes:
  --fail-rcpt PATTERN=CODE   RCPT TO matching the fnmatch PATTERN gets CODE
  --fail-data CODE           the final "." of DATA gets CODE
  --drop-after-data          close the connection after the final "." with
                             no reply (libcurl: 56 with response 354)
  --fail-first N             the first N RCPT commands get 451
  --late-every N             every Nth DATA is answered late (after
                             --late-delay seconds) with --late-code; the
                             message is not kept (a late refusal)
  --reply CMD:FIRST-LAST:TEXT  the FIRST..LAST (1-based, LAST may be empty
                             for "on") MAIL or RCPT command the server
                             sees gets the reply line TEXT
  --per-conn N:TEXT          the MAIL commands after the first N on one
                             connection get TEXT (NetEase's MI:DMC)
"""


import argparse
import asyncio
import fnmatch
import logging
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

TEXTS = {
    4: "4.3.0 temporary failure, try again later",
    5: "5.1.1 rejected by policy",
}


def reply(code):
    return "%d %s" % (code, TEXTS.get(code // 100, "failure"))


class Handler:
    def __init__(self, args):
        self.args = args
        # Restarted on the same directory, go on numbering: never overwrite.
        self.count = max([int(n[:-4]) for n in os.listdir(args.dir)
                          if n.endswith(".eml") and n[:-4].isdigit()] or [0])
        self.fail_first = args.fail_first
        self.fail_rcpt = []
        self.seen = {"MAIL": 0, "RCPT": 0}
        self.data_seq = 0
        self.replies = []
        for spec in args.reply:
            cmd, rng, text = spec.split(":", 2)
            first, _, last = rng.partition("-")
            self.replies.append((cmd.upper(), int(first),
                                 int(last) if last else None, text))
        for spec in args.fail_rcpt:
            pattern, _, code = spec.rpartition("=")
            self.fail_rcpt.append((pattern, int(code)))

    def log(self, line):
        with open(os.path.join(self.args.dir, "log"), "a") as f:
            f.write(line + "\n")

    def conn(self, server, session):
        tls = session.ssl is not None or (
            server.transport is not None and
            server.transport.get_extra_info("ssl_object") is not None)
        auth = "-"
        if session.authenticated and session.auth_data is not None:
            auth = session.auth_data.login.decode("utf-8", "replace")
        peer = "%s:%s" % (session.peer[0], session.peer[1])
        return "conn=%s tls=%s auth=%s" % (peer, "yes" if tls else "no",
                                           auth)

    def scripted(self, cmd, server, session, address):
        self.seen[cmd] += 1
        n = self.seen[cmd]
        for c, first, last, text in self.replies:
            if c == cmd and n >= first and (last is None or n <= last):
                self.log("refused %s=<%s> reply=%s %s" % (
                    cmd.lower(), address, text, self.conn(server, session)))
                return text
        return None

    async def handle_MAIL(self, server, session, envelope, address, options):
        text = self.scripted("MAIL", server, session, address)
        if text is not None:
            return text
        if self.args.per_conn:
            limit, _, text = self.args.per_conn.partition(":")
            session.dutyd_mails = getattr(session, "dutyd_mails", 0) + 1
            if session.dutyd_mails > int(limit):
                self.log("refused mail=<%s> reply=%s %s" % (
                    address, text, self.conn(server, session)))
                return text
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        text = self.scripted("RCPT", server, session, address)
        if text is not None:
            return text
        if self.fail_first > 0:
            self.fail_first -= 1
            self.log("refused rcpt=<%s> code=451 %s" %
                     (address, self.conn(server, session)))
            return reply(451)
        for pattern, code in self.fail_rcpt:
            if fnmatch.fnmatch(address, pattern):
                self.log("refused rcpt=<%s> code=%d %s" %
                         (address, code, self.conn(server, session)))
                return reply(code)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.drop_after_data:
            self.log("dropped after data %s" % self.conn(server, session))
            server.transport.abort()
            return "250 2.0.0 never seen"
        if self.args.fail_data:
            self.log("refused data code=%d %s" %
                     (self.args.fail_data, self.conn(server, session)))
            return reply(self.args.fail_data)
        self.data_seq += 1
        if self.args.late_every and self.data_seq % self.args.late_every == 0:
            # The reply comes after the client's timeout: a client that
            # keeps the connection reads it as its next command's answer.
            self.log("late data code=%d to=%s %s" % (
                self.args.late_code,
                ",".join("<%s>" % r for r in envelope.rcpt_tos),
                self.conn(server, session)))
            await asyncio.sleep(self.args.late_delay)
            return reply(self.args.late_code)
        if self.args.delay:
            # A slow server: the message is in flight for this long.
            await asyncio.sleep(self.args.delay)
        self.count += 1
        path = os.path.join(self.args.dir, "%d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        self.log("msg=%d %s from=<%s> to=%s" % (
            self.count, self.conn(server, session), envelope.mail_from,
            ",".join("<%s>" % r for r in envelope.rcpt_tos)))
        return "250 2.0.0 OK: queued as Q%d" % self.count


def make_authenticator(spec):
    user, _, password = spec.partition(":")

    def authenticator(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword) and
              data.login == user.encode() and
              data.password == password.encode())
        return AuthResult(success=ok, handled=False,
                          auth_data=data if ok else None)
    return authenticator


def parse_args():
    p = argparse.ArgumentParser(description="SMTP server for dutyd tests")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--pidfile", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--fail-rcpt", action="append", default=[])
    p.add_argument("--fail-data", type=int, default=0)
    p.add_argument("--drop-after-data", action="store_true")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--late-every", type=int, default=0)
    p.add_argument("--late-code", type=int, default=554)
    p.add_argument("--late-delay", type=float, default=3)
    p.add_argument("--reply", action="append", default=[])
    p.add_argument("--per-conn", default="")
    p.add_argument("--delay", type=float, default=0,
                   help="seconds to wait before answering DATA")
    return p.parse_args()


def tls_context(args):
    if not args.tls_cert:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    return ctx


def protocol_factory(args, handler, ctx):
    kwargs = dict(hostname="localhost", decode_data=False,
                  data_size_limit=10 * 1024 * 1024)
    if ctx is not None and not args.implicit_tls:
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = args.require_starttls
    if args.auth:
        kwargs["authenticator"] = make_authenticator(args.auth)
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = ctx is not None
    return lambda: SMTP(handler, **kwargs)


def write_pidfile(path):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(path + ".tmp", path)


async def serve(args):
    loop = asyncio.get_running_loop()
    ctx = tls_context(args)
    handler = Handler(args)
    server = await loop.create_server(
        protocol_factory(args, handler, ctx), "127.0.0.1", args.port,
        ssl=ctx if args.implicit_tls else None)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    port = server.sockets[0].getsockname()[1]
    write_pidfile(args.pidfile)
    print("ready %d" % port, flush=True)
    await stop
    server.close()


def main():
    args = parse_args()
    # aiosmtpd warns about its own deprecated attributes on every AUTH and
    # logs a traceback for each refused TLS handshake: both are expected.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
