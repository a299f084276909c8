#!/usr/bin/python3
"""A stand-in for the SMS providers and group robots, for dutyd's tests
and the demo.  Python's http.server on 127.0.0.1, HTTPS when given a
certificate (tests/integration/mkcert.sh makes one).

Every request is recorded as DIR/<n>.req (request line, headers, a blank
line, the body, exactly as received) and one line in DIR/log:

    req=1 path=/ sig=ok answer=ok

sig= is the result of checking the request's signature with --secret, by
an implementation independent of dutyd's (Python's hmac/hashlib), or "-"
when there is nothing to check.  The answers follow --script in turn
(comma-separated; once used up, every answer is "ok"):

    ok         the provider's documented success body
    throttle   its rate-limit error (retry later)
    permanent  a permanent error (bad number / unapproved template / bad
               signature, depending on the provider)
    garbage    HTTP 200 with a body that is not the provider's JSON
    s503       HTTP 503
    hang       read the request, never answer (the client times out)
    r429       HTTP 429 with "Retry-After: 900"
    stallN     read the request, send nothing for N seconds (a decimal
               number), then answer as "ok" (a slow provider)

An Aliyun request whose SignatureNonce was seen before is answered with
SignatureNonceUsed, as Aliyun does, whatever the script says.

Once listening it writes --pidfile and prints "ready PORT".  SIGTERM stops
it.
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse

ANSWERS = {
    "aliyun": {
        "ok": (200, {"Message": "OK", "RequestId":
                     "F655A8D5-B967-440B-8683-DAD6FF8DE990",
                     "Code": "OK", "BizId": "900619746936498440^0"}),
        "throttle": (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL",
                           "Message": "触发分钟级流控Permits:1",
                           "RequestId": "r2"}),
        "permanent": (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL",
                            "Message": "非法手机号", "RequestId": "r3"}),
    },
    "tencent": {
        "ok": (200, {"Response": {"SendStatusSet": [{
            "SerialNo": "5000:1045710669157053657849499619",
            "PhoneNumber": "+8618511122233", "Fee": 1,
            "SessionContext": "", "Code": "Ok", "Message": "send success",
            "IsoCode": "CN"}], "RequestId": "a0aabda6"}}),
        "throttle": (200, {"Response": {"Error": {
            "Code": "RequestLimitExceeded",
            "Message": "请求的次数超过了频率限制。"}, "RequestId": "r2"}}),
        "permanent": (200, {"Response": {"Error": {
            "Code": "FailedOperation.TemplateIncorrectOrUnapproved",
            "Message": "模板未审批或内容不匹配。"}, "RequestId": "r3"}}),
    },
    "dingtalk": {
        "ok": (200, {"errcode": 0, "errmsg": "ok"}),
        "throttle": (200, {"errcode": 410100, "errmsg": "发送速度太快而限流"}),
        "permanent": (200, {"errcode": 310000, "errmsg": "sign not match"}),
    },
    "wecom": {
        "ok": (200, {"errcode": 0, "errmsg": "ok"}),
        "throttle": (200, {"errcode": 45009,
                           "errmsg": "api freq out of limit"}),
        "permanent": (200, {"errcode": 93000,
                            "errmsg": "invalid webhook url"}),
    },
    "feishu": {
        "ok": (200, {"StatusCode": 0, "StatusMessage": "success",
                     "code": 0, "data": {}, "msg": "success"}),
        "throttle": (200, {"code": 11232, "data": {},
                           "msg": "frequency limited"}),
        "permanent": (200, {"code": 19021, "msg": "sign match fail or "
                            "timestamp is not within one hour from "
                            "current time"}),
    },
    "webhook": {
        "ok": (200, ""),
        "throttle": (429, ""),
        "permanent": (400, {"error": "bad request"}),
    },
}


def pct(s):
    return urllib.parse.quote(s, safe="~")


def b64hmac(key, msg, digest):
    return base64.b64encode(hmac.new(key, msg, digest).digest()).decode()


def check_aliyun(secret, req):
    params = urllib.parse.parse_qsl(req["body"].decode(),
                                    keep_blank_values=True)
    got = [v for k, v in params if k == "Signature"]
    rest = sorted((k, v) for k, v in params if k != "Signature")
    canon = "&".join(pct(k) + "=" + pct(v) for k, v in rest)
    sts = req["method"] + "&%2F&" + pct(canon)
    want = b64hmac((secret + "&").encode(), sts.encode(), hashlib.sha1)
    return got == [want]


def check_tencent(secret, req):
    h = {k.lower(): v for k, v in req["headers"]}
    ts = int(h["x-tc-timestamp"])
    date = time.strftime("%Y-%m-%d", time.gmtime(ts))
    canon = "POST\n/\n\ncontent-type:%s\nhost:%s\nx-tc-action:%s\n\n" \
        "content-type;host;x-tc-action\n%s" % (
            h["content-type"].lower(), h["host"].lower(),
            h["x-tc-action"].lower(),
            hashlib.sha256(req["body"]).hexdigest())
    scope = "%s/sms/tc3_request" % date
    sts = "TC3-HMAC-SHA256\n%d\n%s\n%s" % (
        ts, scope, hashlib.sha256(canon.encode()).hexdigest())
    k = hmac.new(("TC3" + secret).encode(), date.encode(),
                 hashlib.sha256).digest()
    k = hmac.new(k, b"sms", hashlib.sha256).digest()
    k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return h["authorization"].endswith(", Signature=" + sig)


def check_dingtalk(secret, req):
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(req["path"]).query))
    sts = q["timestamp"] + "\n" + secret
    return q.get("sign") == b64hmac(secret.encode(), sts.encode(),
                                    hashlib.sha256)


def check_feishu(secret, req):
    body = json.loads(req["body"])
    key = (body["timestamp"] + "\n" + secret).encode()
    return body.get("sign") == b64hmac(key, b"", hashlib.sha256)


CHECKS = {"aliyun": check_aliyun, "tencent": check_tencent,
          "dingtalk": check_dingtalk, "feishu": check_feishu}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        srv = self.server
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        nonce = None
        if srv.provider == "aliyun":
            q = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
            nonce = q.get("SignatureNonce")
        with srv.lock:
            srv.count += 1
            num = srv.count
            answer = srv.script.pop(0) if srv.script else "ok"
            if nonce is not None and nonce in srv.nonces:
                answer = "nonce_used"
            if nonce is not None:
                srv.nonces.add(nonce)
        req = {"method": self.command, "path": self.path,
               "headers": list(self.headers.items()), "body": body}
        with open(os.path.join(srv.dir, "%d.req" % num), "wb") as f:
            f.write(self.requestline.encode() + b"\n")
            for k, v in self.headers.items():
                f.write(("%s: %s\n" % (k, v)).encode())
            f.write(b"\n" + body)
        sig = "-"
        check = CHECKS.get(srv.provider)
        if srv.secret is not None and check is not None:
            try:
                sig = "ok" if check(srv.secret, req) else "bad"
            except (KeyError, ValueError):
                sig = "bad"
        with open(os.path.join(srv.dir, "log"), "a") as f:
            f.write("req=%d path=%s sig=%s answer=%s\n" % (
                num, urllib.parse.urlsplit(self.path).path, sig, answer))
        self.answer(answer)

    def answer(self, answer):
        if answer == "hang":
            time.sleep(3600)
            return
        if answer.startswith("stall"):
            time.sleep(float(answer[5:]))
            answer = "ok"
        extra = []
        if answer == "garbage":
            status, data = 200, b"<html><body>502 Bad Gateway</body></html>"
        elif answer == "r429":
            status, data = 429, b"Too Many Requests"
            extra = [("Retry-After", "900")]
        elif answer == "nonce_used":
            status, data = 200, json.dumps({
                "Code": "SignatureNonceUsed", "RequestId": "r4",
                "Message": "Specified signature nonce was used already."
            }).encode()
        elif answer == "s503":
            status, data = 503, b"Service Unavailable"
        else:
            status, obj = ANSWERS[self.server.provider][answer]
            data = obj.encode() if isinstance(obj, str) else \
                json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--provider", default="aliyun", choices=sorted(ANSWERS))
    ap.add_argument("--secret-file")
    ap.add_argument("--script", default="")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.dir = args.dir
    srv.provider = args.provider
    srv.script = [s for s in args.script.split(",") if s]
    srv.lock = threading.Lock()
    srv.count = 0
    srv.nonces = set()
    srv.secret = None
    if args.secret_file:
        with open(args.secret_file) as f:
            srv.secret = f.read().rstrip("\n")
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    port = srv.server_address[1]
    if args.pidfile:
        tmp = args.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, args.pidfile)
    print("ready %d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
