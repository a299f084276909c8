#!/bin/sh
# dutyd --once against stand-ins for the SMS providers and group robots
# (tests/integration/httpd.py) on 127.0.0.1: the requests they receive
# (request line, headers, body, signatures checked by an independent
# Python implementation) and the outbox states after success,
# throttling, permanent errors, garbage, no answer and no server.
. "$(dirname "$0")/lib.sh"

sh "$TOP/tests/integration/mkcert.sh" "$T/certs" >/dev/null
SECRET="dutyd-TEST-secret-9f8e7d"
printf '%s\n' "$SECRET" > "$T/sms.secret"
printf 'SECdutyd0123456789abcdef\n' > "$T/ding.secret"
printf 'dutydFeishuExample0001\n' > "$T/feishu.secret"
chmod 600 "$T"/*.secret
NOW="2026-11-30 09:30"		# a Monday; the items are due Tuesday
pretend "$NOW"

# start_httpd DIR PORT [httpd.py options]: start and wait until it listens.
start_httpd() {
	hd=$1; port=$2; shift 2
	mkdir -p "$hd"
	rm -f "$hd/pid"
	$PY "$TOP/tests/integration/httpd.py" --port "$port" --dir "$hd" \
	    --pidfile "$hd/pid" "$@" >"$hd/stdout" 2>"$hd/stderr" &
	HTTPD_PID=$!
	PIDS="$PIDS $HTTPD_PID"
	i=0
	while [ ! -s "$hd/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$hd/pid" ] || { echo "httpd did not start:"; cat "$hd/stderr"; }
}

# people N: N officers with phones, "p1" .. "pN".
people() {
	i=1
	while [ "$i" -le "$1" ]; do
		[ "$i" -gt 1 ] && printf ',\n'
		printf '{ key = "p%d"; name = "赵%s"; phone = "+861380013800%d"; }' \
		    "$i" "$(echo 一二三四五 | cut -c$(( (i - 1) * 3 + 1 ))-$((i * 3)))" "$i"
		i=$((i + 1))
	done
}

# conf NAME CHANNELS BLOCKS: write $T/NAME.conf.
conf() {
	cat > "$T/$1.conf" <<CONF
general = { database = "$T/$1.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = ( $(people 5) );
outbox = { retry_min = 60; retry_max = 600; give_up = 86400; };
reminders = { channels = [ $2 ]; sms_from = 1; };
digest = { enabled = false; };
maildir = { path = "$T/$1-md"; };
$3
CONF
	chmod 600 "$T/$1.conf"	# robot URLs are secrets: dutyd refuses 0644
}

# item NAME PERSON CODE: an item of PERSON due on Tuesday.
item() {
	$DUTYCTL -c "$T/$1.conf" item add --problem 一 \
	    --problem-title "联系服务青年不够紧密" --code "$3" \
	    --text "建立联系服务青年常态化机制（$3）" --owner "$2" \
	    --deadline 2026-12-01 >/dev/null
}

# state NAME RECIPIENT: "status maybe_dup" of the newest row to RECIPIENT.
state() {
	sqlite3 "$T/$1.db" "select status || ' ' || maybe_dup from outbox
	    where recipient = '$2' order by id desc limit 1"
}
lasterr() {
	sqlite3 "$T/$1.db" "select coalesce(last_error, '') from outbox
	    where recipient = '$2' order by id desc limit 1"
}
nreq() { grep -c '^req=' "$1/log" 2>/dev/null || echo 0; }

# --- Aliyun over HTTPS: ok, throttle, permanent, garbage, no answer ------
P=$(free_port)
start_httpd "$T/ali" "$P" --provider aliyun --secret-file "$T/sms.secret" \
    --tls-cert "$T/certs/server.pem" --tls-key "$T/certs/server.key" \
    --script ok,throttle,permanent,garbage,hang
conf ali '"sms"' "sms = { enabled = true; provider = \"aliyun\";
	endpoint = \"https://127.0.0.1:$P/\"; access_key_id = \"LTAIdutydTEST\";
	secret_file = \"$T/sms.secret\"; sign_name = \"宁海共青团\";
	template_reminder = \"SMS_0001\"; template_overdue = \"SMS_0002\";
	ca_file = \"$T/certs/ca.pem\"; timeout = 2; per_hour = 1; };"
$DUTYCTL -c "$T/ali.conf" init >/dev/null
for i in 1 2 3 4 5; do item ali "p$i" "一-$i"; done
$DUTYD -c "$T/ali.conf" --once --now "$NOW" > "$T/ali1.log" 2>&1
expect_eq "five SMS requests, one per person" 5 "$(nreq "$T/ali")"
expect_eq "every Aliyun signature verifies" 5 "$(grep -c 'sig=ok' "$T/ali/log")"
expect_eq "request line" "POST / HTTP/1.1" "$(head -1 "$T/ali/1.req")"
expect_in "form-encoded body" "Content-Type: application/x-www-form-urlencoded" "$T/ali/1.req"
$PY - "$T/ali/1.req" > "$T/ali1.params" <<'PY'
import sys, urllib.parse
raw = open(sys.argv[1], "rb").read().split(b"\n\n", 1)[1].decode()
p = dict(urllib.parse.parse_qsl(raw))
for k in ("Action", "Version", "Format", "SignatureMethod", "SignatureVersion",
          "RegionId", "AccessKeyId", "PhoneNumbers", "SignName", "TemplateCode",
          "TemplateParam"):
    print("%s=%s" % (k, p[k]))
print("keys=" + ",".join(sorted(p)))
PY
expect_in "SendSms 2017-05-25 as JSON" "Action=SendSms" "$T/ali1.params"
expect_in "API version" "Version=2017-05-25" "$T/ali1.params"
expect_in "JSON answers requested" "Format=JSON" "$T/ali1.params"
expect_in "mainland number without +86" "PhoneNumbers=13800138001" "$T/ali1.params"
expect_in "the sign name" "SignName=宁海共青团" "$T/ali1.params"
expect_in "the reminder template code" "TemplateCode=SMS_0001" "$T/ali1.params"
expect_in "only the template parameters, as JSON" \
    'TemplateParam={"name":"赵一","count":"1","code":"一-1","deadline":"2026-12-01"}' \
    "$T/ali1.params"
expect_in "exactly the documented parameters" \
    "keys=AccessKeyId,Action,Format,PhoneNumbers,RegionId,SignName,Signature,SignatureMethod,SignatureNonce,SignatureVersion,TemplateCode,TemplateParam,Timestamp,Version" \
    "$T/ali1.params"
expect_eq "success: sent" "sent 0" "$(state ali +8613800138001)"
expect_eq "the BizId is kept" "900619746936498440^0" \
    "$(sqlite3 "$T/ali.db" "select provider_id from outbox where recipient = '+8613800138001'")"
expect_eq "throttled: retry later" "failed 0" "$(state ali +8613800138002)"
expect_in "throttling keeps the provider's code" "isv.BUSINESS_LIMIT_CONTROL" \
    "$T/ali1.log"
expect_eq "invalid number: dead at once" "dead 0" "$(state ali +8613800138003)"
expect_eq "the provider's code and message are kept" \
    "sms: aliyun: isv.MOBILE_NUMBER_ILLEGAL: 非法手机号 (HTTP 200)" \
    "$(lasterr ali +8613800138003)"
expect_eq "garbage after sending: retried, maybe duplicated" "failed 1" \
    "$(state ali +8613800138004)"
expect_eq "no answer: retried, maybe duplicated" "failed 1" \
    "$(state ali +8613800138005)"
expect_in "the timeout says the request went out" "request sent" "$T/ali1.log"
$DUTYD -c "$T/ali.conf" --once --now "2026-11-30 11:30" > "$T/ali2.log" 2>&1
expect_eq "the three retried rows are sent, the dead one is not retried" 8 \
    "$(nreq "$T/ali")"
expect_eq "throttled row sent on retry" "sent 0" "$(state ali +8613800138002)"
expect_eq "garbage row sent on retry, still marked" "sent 1" \
    "$(state ali +8613800138004)"
expect_eq "dead stays dead" "dead 0" "$(state ali +8613800138003)"
# per_hour = 1: a second SMS to p2 within the hour waits for its slot.
item ali p2 "一-6"
$DUTYD -c "$T/ali.conf" --once --now "2026-11-30 11:45" > "$T/ali3.log" 2>&1
expect_eq "rate limit: nothing sent within the hour" 8 "$(nreq "$T/ali")"
expect_eq "rate limit: the row waits" "failed 0" "$(state ali +8613800138002)"
expect_in "rate limit: the log says why" "rate limit: at most 1 sms" "$T/ali3.log"
$DUTYD -c "$T/ali.conf" --once --now "2026-11-30 12:31" > "$T/ali4.log" 2>&1
expect_eq "rate limit: sent once the hour is over" "sent 0" \
    "$(state ali +8613800138002)"
expect_eq "... as the ninth request" 9 "$(nreq "$T/ali")"
if grep -rqF "$SECRET" "$T"/ali*.log "$T/ali" || sqlite3 "$T/ali.db" .dump |
    grep -qF "$SECRET"; then
	not_ok "the AccessKey secret is in a log, a request or the outbox"
else
	ok "the AccessKey secret is in no log, request or outbox row"
fi
stop_pid "$HTTPD_PID"

# --- a fresh nonce per request; Retry-After is honoured (issue 15) --------
# Aliyun refuses a SignatureNonce it has seen (httpd.py does the same).
P=$(free_port)
start_httpd "$T/nonce" "$P" --provider aliyun --secret-file "$T/sms.secret" \
    --script throttle,r429
conf nonce '"sms"' "sms = { enabled = true; provider = \"aliyun\";
	endpoint = \"http://127.0.0.1:$P/\"; access_key_id = \"LTAIdutydTEST\";
	secret_file = \"$T/sms.secret\"; sign_name = \"宁海共青团\";
	template_reminder = \"SMS_0001\"; template_overdue = \"SMS_0002\";
	timeout = 2; };"
$DUTYCTL -c "$T/nonce.conf" init >/dev/null
item nonce p1 "一-1"
item nonce p2 "一-2"
$DUTYD -c "$T/nonce.conf" --once --now "$NOW" > "$T/nonce1.log" 2>&1
# (From the attempt's end, which may be a second after the round began.)
expect_eq "429 with Retry-After: 900 waits 900 s, not the 60 s backoff" \
    "failed 1" "$(sqlite3 "$T/nonce.db" "select status || ' ' ||
    (next_attempt_at - created_at between 900 and 910) from outbox
    where recipient = '+8613800138002'")"
# The throttled row again within the same second: a new nonce.
id=$(sqlite3 "$T/nonce.db" "select id from outbox
    where recipient = '+8613800138001'")
$DUTYCTL -c "$T/nonce.conf" --now "$NOW" outbox retry "$id" >/dev/null
$DUTYD -c "$T/nonce.conf" --once --now "$NOW" > "$T/nonce2.log" 2>&1
expect_eq "a retry in the same second is sent (no SignatureNonceUsed)" \
    "sent 0" "$(state nonce +8613800138001)"
expect_eq "three requests, three nonces" 3 "$(cat "$T"/nonce/*.req | grep -o 'SignatureNonce=[^&]*' | sort -u | wc -l)"
stop_pid "$HTTPD_PID"

# --- each request is signed when it goes, not when the round began --------
# The first request hangs until the 2 s timeout; the second's X-TC-Timestamp
# must be of its own time (Tencent refuses one 5 minutes old).
P=$(free_port)
start_httpd "$T/late" "$P" --provider tencent --secret-file "$T/sms.secret" \
    --script hang,ok
conf late '"sms"' "sms = { enabled = true; provider = \"tencent\";
	endpoint = \"http://127.0.0.1:$P/\"; access_key_id = \"AKIDdutydTEST\";
	secret_file = \"$T/sms.secret\"; sign_name = \"宁海共青团\";
	sdk_app_id = \"1400000000\"; template_reminder = \"1234567\";
	timeout = 2; };"
$DUTYCTL -c "$T/late.conf" init >/dev/null
item late p1 "一-1"
item late p2 "一-2"
$DUTYD -c "$T/late.conf" --once --now "$NOW" > "$T/late1.log" 2>&1
ts1=$(sed -n 's/^X-TC-Timestamp: //p' "$T/late/1.req" | tr -d '\r')
ts2=$(sed -n 's/^X-TC-Timestamp: //p' "$T/late/2.req" | tr -d '\r')
expect_eq "the request after a 2 s hang is signed 2 s later or more" yes \
    "$([ $((ts2 - ts1)) -ge 2 ] && echo yes || echo "no ($ts1 $ts2)")"
expect_eq "and is accepted" "sent 0" "$(state late +8613800138002)"
expect_eq "the hung request's retry counts from when it ended" yes \
    "$(sqlite3 "$T/late.db" "select case when next_attempt_at -
    $ts1 >= 2 + 54 then 'yes' else 'no' end from outbox
    where recipient = '+8613800138001'")"
stop_pid "$HTTPD_PID"

# --- Tencent over plain HTTP to loopback: ok, permanent, then no server --
P=$(free_port)
start_httpd "$T/tc" "$P" --provider tencent --secret-file "$T/sms.secret" \
    --script ok,permanent
conf tc '"sms"' "sms = { enabled = true; provider = \"tencent\";
	endpoint = \"http://127.0.0.1:$P/\"; access_key_id = \"AKIDdutydTEST\";
	secret_file = \"$T/sms.secret\"; sign_name = \"宁海共青团\";
	sdk_app_id = \"1400000000\"; template_reminder = \"1234567\";
	timeout = 2; };"
$DUTYCTL -c "$T/tc.conf" init >/dev/null
item tc p1 "一-1"
item tc p2 "一-2"
$DUTYD -c "$T/tc.conf" --once --now "$NOW" > "$T/tc1.log" 2>&1
expect_eq "two Tencent requests" 2 "$(nreq "$T/tc")"
expect_eq "every TC3 signature verifies" 2 "$(grep -c 'sig=ok' "$T/tc/log")"
expect_in "X-TC-Action" "X-TC-Action: SendSms" "$T/tc/1.req"
expect_in "X-TC-Version" "X-TC-Version: 2021-01-11" "$T/tc/1.req"
expect_in "X-TC-Region" "X-TC-Region: ap-guangzhou" "$T/tc/1.req"
expect_in "Authorization scope (UTC date)" \
    "Authorization: TC3-HMAC-SHA256 Credential=AKIDdutydTEST/2026-11-30/sms/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=" \
    "$T/tc/1.req"
expect_in "the JSON body" \
    '{"PhoneNumberSet":["+8613800138001"],"SmsSdkAppId":"1400000000","SignName":"宁海共青团","TemplateId":"1234567","TemplateParamSet":["赵一","1","一-1","2026-12-01"]}' \
    "$T/tc/1.req"
expect_eq "Tencent success: sent" "sent 0" "$(state tc +8613800138001)"
expect_eq "unapproved template: dead" "dead 0" "$(state tc +8613800138002)"
expect_in "Tencent's code is kept" \
    "FailedOperation.TemplateIncorrectOrUnapproved" "$T/tc1.log"
stop_pid "$HTTPD_PID"
item tc p3 "一-3"
$DUTYD -c "$T/tc.conf" --once --now "$NOW" > "$T/tc2.log" 2>&1
expect_eq "no server: retry later, not a duplicate" "failed 0" \
    "$(state tc +8613800138003)"
expect_in "no server: nothing was sent" "request not sent" "$T/tc2.log"

# --- group robots: DingTalk, WeCom, Feishu, a JSON webhook ---------------
PD=$(free_port); PW=$(free_port); PF=$(free_port); PH=$(free_port)
start_httpd "$T/ding" "$PD" --provider dingtalk --secret-file "$T/ding.secret"
start_httpd "$T/wecom" "$PW" --provider wecom --script throttle
start_httpd "$T/feishu" "$PF" --provider feishu \
    --secret-file "$T/feishu.secret" --script permanent
start_httpd "$T/hook" "$PH" --provider webhook
conf im '"im"' "im = (
	{ name = \"leaders\"; type = \"dingtalk\";
	  url = \"http://127.0.0.1:$PD/robot/send?access_token=TOKEN\";
	  secret_file = \"$T/ding.secret\"; kinds = [\"reminder\", \"escalation\"]; },
	{ name = \"office\"; type = \"wecom\"; format = \"text\";
	  url = \"http://127.0.0.1:$PW/cgi-bin/webhook/send?key=KEY\";
	  kinds = [\"reminder\"]; },
	{ name = \"lark\"; type = \"feishu\";
	  url = \"http://127.0.0.1:$PF/open-apis/bot/v2/hook/HOOK\";
	  secret_file = \"$T/feishu.secret\"; kinds = [\"reminder\"]; },
	{ name = \"ops\"; type = \"webhook\"; url = \"http://127.0.0.1:$PH/hook\";
	  kinds = [\"reminder\"]; }
);"
$DUTYCTL -c "$T/im.conf" init >/dev/null
item im p1 "一-1"
item im p2 "一-2"
$DUTYD -c "$T/im.conf" --once --now "$NOW" > "$T/im1.log" 2>&1
expect_eq "one DingTalk message for both items" 1 "$(nreq "$T/ding")"
expect_eq "DingTalk 加签 verifies" "sig=ok" "$(grep -o 'sig=[a-z-]*' "$T/ding/log")"
expect_in "DingTalk: token, timestamp and sign in the query" \
    "POST /robot/send?access_token=TOKEN&timestamp=" "$T/ding/1.req"
expect_in "DingTalk markdown body" '{"msgtype":"markdown","markdown":{"title":"团县委整改提醒","text":"#### 团县委整改提醒（2026-11-30）' "$T/ding/1.req"
expect_in "DingTalk body lists the items" "**一-2**" "$T/ding/1.req"
expect_eq "DingTalk: sent" "sent 0" "$(state im leaders)"
expect_in "WeCom text body" '{"msgtype":"text","text":{"content":"团县委整改提醒（2026-11-30）' "$T/wecom/1.req"
expect_eq "WeCom 45009: retry later" "failed 0" "$(state im office)"
expect_eq "Feishu signature verifies" "sig=ok" "$(grep -o 'sig=[a-z-]*' "$T/feishu/log")"
expect_in "Feishu body" '"msg_type":"text","content":{"text":"团县委整改提醒' "$T/feishu/1.req"
expect_eq "Feishu 19021 (clock off by an hour?): retried, as DingTalk's" \
    "failed 0" "$(state im lark)"
expect_in "Feishu's code and message are kept" "feishu: 19021: sign match fail" "$T/im1.log"
expect_in "the log says the clock looks wrong" "clock looks wrong" "$T/im1.log"
$DUTYCTL -c "$T/im.conf" status > "$T/im1.status" 2>&1
expect_in "dutyctl status says the clock looks wrong" \
    "clock:       本机时钟可能不准：im:lark 拒收了消息的时间戳" "$T/im1.status"
$PY - "$T/hook/1.req" > "$T/hook.txt" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read().split(b"\n\n", 1)[1]
j = json.loads(raw)
print("count=%d codes=%s owners=%s" % (j["count"],
    ",".join(i["code"] for i in j["items"]),
    ",".join(i["owner"] for i in j["items"])))
PY
expect_in "the webhook body is JSON from the template" \
    "count=2 codes=一-1,一-2 owners=赵一,赵二" "$T/hook.txt"
expect_eq "webhook: sent" "sent 0" "$(state im ops)"
if grep -rqF "TOKEN" "$T/im1.log"; then
	not_ok "robot URLs (tokens) stay out of the log"
else
	ok "robot URLs (tokens) stay out of the log"
fi

# --- a robot that takes kind "duty": duty warnings reach the group -------
PW2=$(free_port)
start_httpd "$T/wduty" "$PW2" --provider wecom
conf rduty '"email"' "im = (
	{ name = \"office\"; type = \"wecom\"; format = \"markdown\";
	  url = \"http://127.0.0.1:$PW2/cgi-bin/webhook/send?key=KEY\";
	  kinds = [\"duty\"]; }
);
duties = (
	{ id = \"dues\"; title = \"团费收缴\"; period = \"month\";
	  at_least = 1; owners = [ \"p1\", \"p2\" ]; warn = [ 10, 5, 2 ];
	  channels = [ \"im\" ]; }
);"
$DUTYCTL -c "$T/rduty.conf" init >/dev/null
$DUTYD -c "$T/rduty.conf" --once --now "$NOW" > "$T/rduty.log" 2>&1
expect_eq "one robot message for the duty, not one per owner" 1 \
    "$(nreq "$T/wduty")"
expect_in "the robot names the duty that is short" \
    "**团费收缴** <font color=\\\"warning\\\">今天截止</font>" "$T/wduty/1.req"
expect_eq "and it is sent" "sent 0" "$(state rduty office)"
stop_pid "$HTTPD_PID"

# --- SMS carries a duty's shortfall to the leader; the check wants its code -
P=$(free_port)
start_httpd "$T/short" "$P" --provider aliyun --secret-file "$T/sms.secret"
cat > "$T/short.conf" <<CONF
general = { database = "$T/short.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "p1"; name = "赵一"; email = "p1@example.org"; leaders = ["p2"]; },
	{ key = "p2"; name = "钱二"; phone = "+8613800138002";
	  roles = ["leader", "principal"]; }
);
sms = { enabled = true; provider = "aliyun"; endpoint = "http://127.0.0.1:$P/";
	access_key_id = "LTAIdutydTEST"; secret_file = "$T/sms.secret";
	sign_name = "宁海共青团"; template_reminder = "SMS_0001";
	SHORTFALL };
digest = { enabled = false; };
maildir = { path = "$T/short-md"; };
duties = ( { id = "dues"; title = "团费收缴"; period = "month"; at_least = 1;
	owners = [ "p1" ]; channels = [ "email", "sms" ]; } );
CONF
sed -i 's/SHORTFALL//' "$T/short.conf"
chmod 600 "$T/short.conf"
$DUTYCTL -c "$T/short.conf" check-config > "$T/short-check.out" 2>&1
expect_eq "a duty with sms and no sms.template_shortfall is refused" 78 $?
expect_in "and the check says what sms carries there" \
    "duties.[0].channels: \"sms\" carries the shortfalls of a closed period" \
    "$T/short-check.out"
expect_in "and that the warnings need their own template" \
    "duties.[0].channels: \"sms\" carries the duty's warnings to its owners with the approved template sms.template_duty" \
    "$T/short-check.out"
sed -i 's/template_reminder = "SMS_0001";/template_reminder = "SMS_0001"; template_shortfall = "SMS_0003"; template_duty = "SMS_0004";/' \
    "$T/short.conf"
$DUTYCTL -c "$T/short.conf" init >/dev/null
$DUTYD -c "$T/short.conf" --once --now "2026-11-30 09:30" > "$T/short.log" 2>&1
expect_eq "the owner has no phone: the duty's warning goes by email only" \
    "0 1" "$(nreq "$T/short") $(ls "$T/short-md/new" | wc -l)"
$DUTYD -c "$T/short.conf" --once --now "2026-12-01 09:30" >> "$T/short.log" 2>&1
expect_eq "November closed short: one SMS to the leader" 1 "$(nreq "$T/short")"
$PY - "$T/short/1.req" > "$T/short.params" <<'PY'
import sys, urllib.parse
raw = open(sys.argv[1], "rb").read().split(b"\n\n", 1)[1].decode()
p = dict(urllib.parse.parse_qsl(raw))
print("%s %s %s" % (p["PhoneNumbers"], p["TemplateCode"], p["TemplateParam"]))
PY
expect_in "with the shortfall template and its parameters" \
    '13800138002 SMS_0003 {"name":"钱二","duty":"团费收缴","period":"2026年11月","required":"1","done":"0","owner":"赵一","count":"1"}' \
    "$T/short.params"
stop_pid "$HTTPD_PID"

# --- a leader's own item due today and an escalated overdue one -----------
# Each SMS names the items its template speaks of: the overdue template the
# escalated overdue item (with the count), the reminder template the item
# due today, never "已逾期0天".
P=$(free_port)
start_httpd "$T/lead" "$P" --provider aliyun --secret-file "$T/sms.secret"
cat > "$T/lead.conf" <<CONF
general = { database = "$T/lead.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "chen"; name = "陈晓峰"; phone = "+8613800138011";
	  roles = [ "leader" ]; },
	{ key = "xu"; name = "徐静"; phone = "+8613800138012";
	  leaders = [ "chen" ]; }
);
reminders = { channels = [ "sms" ]; sms_from = 1; };
digest = { enabled = false; };
maildir = { path = "$T/lead-md"; };
sms = { enabled = true; provider = "aliyun";
	endpoint = "http://127.0.0.1:$P/"; access_key_id = "LTAIdutydTEST";
	secret_file = "$T/sms.secret"; sign_name = "宁海共青团";
	template_reminder = "SMS_0001"; template_overdue = "SMS_0002"; };
CONF
chmod 600 "$T/lead.conf"
$DUTYCTL -c "$T/lead.conf" init >/dev/null
$DUTYCTL -c "$T/lead.conf" item add --problem 十 --problem-title "制度执行不严" \
    --code 十-二 --text "修订请示报告制度" --owner chen --deadline 2026-11-30 >/dev/null
$DUTYCTL -c "$T/lead.conf" item add --problem 十 --code 十-三 \
    --text "整理归档会议纪要" --owner xu --deadline 2026-11-16 >/dev/null
$DUTYD -c "$T/lead.conf" --once --now "$NOW" > "$T/lead.log" 2>&1
# The second SMS to the leader waits out the per-number limit (1/minute).
$DUTYD -c "$T/lead.conf" --once --now "2026-11-30 09:32" >> "$T/lead.log" 2>&1
$PY - "$T/lead" > "$T/lead.params" <<'PY'
import glob, sys, urllib.parse
for f in sorted(glob.glob(sys.argv[1] + "/*.req")):
    raw = open(f, "rb").read().split(b"\n\n", 1)[1].decode()
    p = dict(urllib.parse.parse_qsl(raw))
    print("%s %s %s" % (p["PhoneNumbers"], p["TemplateCode"], p["TemplateParam"]))
PY
expect_in "the leader's overdue SMS names the escalated item" \
    '13800138011 SMS_0002 {"name":"陈晓峰","code":"十-三","days":"14","count":"1"}' \
    "$T/lead.params"
expect_in "the leader's own item due today goes in a reminder SMS" \
    '13800138011 SMS_0001 {"name":"陈晓峰","count":"1","code":"十-二","deadline":"2026-11-30"}' \
    "$T/lead.params"
expect_in "the officer's own overdue SMS" \
    '13800138012 SMS_0002 {"name":"徐静","code":"十-三","days":"14","count":"1"}' \
    "$T/lead.params"
expect_eq "three SMS in all" 3 "$(wc -l < "$T/lead.params")"
if grep -q '"days":"0"' "$T/lead.params"; then
	not_ok "no SMS says overdue 0 days"
else
	ok "no SMS says overdue 0 days"
fi

# --- every kind to every channel: a duty's warning by robot and SMS, and the
# weekly digest's summary to the robot, once each however often dutyd runs.
# Monday 2026-12-21 09:30: the digest (Mondays 08:30) is due, and the
# quarter ends in 8 working days, inside the duty's 10-day warning.
PR=$(free_port)
start_httpd "$T/kr" "$PR" --provider dingtalk --secret-file "$T/ding.secret"
ROBOT_PID=$HTTPD_PID
PS=$(free_port)
start_httpd "$T/ks" "$PS" --provider aliyun --secret-file "$T/sms.secret"
cat > "$T/kinds.conf" <<CONF
general = { database = "$T/kinds.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "li"; name = "李明"; email = "li@example.org";
	  phone = "+8613800138021"; roles = [ "leader" ]; },
	{ key = "wang"; name = "王书记"; email = "wang@example.org";
	  phone = "+8613800138022"; roles = [ "principal" ]; }
);
reminders = { channels = [ "email" ]; };
digest = { enabled = true; weekday = "mon"; time = "08:30"; to = [ "wang" ]; };
maildir = { path = "$T/kinds-md"; };
sms = { enabled = true; provider = "aliyun"; endpoint = "http://127.0.0.1:$PS/";
	access_key_id = "LTAIdutydTEST"; secret_file = "$T/sms.secret";
	sign_name = "宁海共青团"; template_reminder = "SMS_0001";
	template_shortfall = "SMS_0003"; template_duty = "SMS_0004"; };
im = ( { name = "leaders"; type = "dingtalk"; format = "markdown";
	url = "http://127.0.0.1:$PR/robot/send?access_token=TOKEN";
	secret_file = "$T/ding.secret"; kinds = [ "duty", "digest" ]; } );
duties = ( { id = "talks"; title = "分管领导谈心谈话"; period = "quarter";
	owners = [ "li" ]; warn = [ 20, 10, 3 ];
	channels = [ "email", "sms", "im" ]; } );
CONF
chmod 600 "$T/kinds.conf"
$DUTYCTL -c "$T/kinds.conf" check-config > "$T/kinds-check.out" 2>&1
expect_eq "robot kinds duty and digest with SMS duty warnings pass the check" \
    0 $?
$DUTYCTL -c "$T/kinds.conf" init >/dev/null
$DUTYCTL -c "$T/kinds.conf" item add --problem 一 --problem-title "谈心谈话不经常" \
    --code 一-1 --text "建立谈心谈话台账" --owner li --deadline 2026-12-10 >/dev/null
$DUTYCTL -c "$T/kinds.conf" item add --problem 一 --code 一-2 \
    --text "制定联系科室制度" --owner li --deadline 2026-12-28 >/dev/null
$DUTYD -c "$T/kinds.conf" --once --now "2026-12-21 09:30" > "$T/kinds.log" 2>&1
$DUTYD -c "$T/kinds.conf" --once --now "2026-12-21 09:40" >> "$T/kinds.log" 2>&1
$DUTYD -c "$T/kinds.conf" --once --now "2026-12-21 14:00" >> "$T/kinds.log" 2>&1
# The robot's posts: "summary|duty" per request, from the JSON it got.
$PY - "$T/kr" > "$T/kr.posts" <<'PY'
import glob, json, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.req"), key=lambda f: int(f.rsplit("/", 1)[1].split(".")[0])):
    body = json.loads(open(f, "rb").read().split(b"\n\n", 1)[1])
    md = body["markdown"]
    kind = "summary" if "周报摘要" in md["title"] else "duty"
    print(kind, body["msgtype"], md["title"], md["text"].replace("\n", "\\n"))
PY
expect_eq "two robot posts in three runs: one duty warning, one summary" \
    "2 1 1" "$(wc -l < "$T/kr.posts") $(grep -c '^summary ' "$T/kr.posts") $(grep -c '^duty ' "$T/kr.posts")"
expect_in "the summary is DingTalk markdown with its title" \
    "summary markdown 团县委整改周报摘要 #### 团县委整改周报摘要（2026年第52周（12月21日—12月27日））" \
    "$T/kr.posts"
expect_in "it counts the ledger" "整改措施共2项，已完成0项（0%）" "$T/kr.posts"
expect_in "it names the overdue measure and whose" \
    "**一-1** 逾期11天，责任人李明" "$T/kr.posts"
expect_in "and what falls due soon" "一-2 2026-12-28到期，责任人李明" \
    "$T/kr.posts"
expect_in "the duty not yet met this quarter" "常态化工作本期已完成0/1项" \
    "$T/kr.posts"
expect_in "the new feedback count" "新收群众意见0条" "$T/kr.posts"
expect_in "and says the full digest went by email" \
    "完整周报已通过电子邮件发送给王书记。" "$T/kr.posts"
expect_in "the duty's warning reaches the robot" \
    "**分管领导谈心谈话** 还剩8个工作日，2026年第四季度不少于1次，已开展0次，责任人李明" \
    "$T/kr.posts"
if grep -q "sig=bad" "$T/kr/log"; then not_ok "every robot post is signed"
else ok "every robot post is signed"; fi
expect_in "the log counts the email and the robot's summary" \
    "digest: 2026-W52: 1 digest(s) queued, 1 robot summary(ies)" "$T/kinds.log"
expect_eq "the full digest went by email once" 1 \
    "$(ls "$T/kinds-md/new" | grep -c digest_wang_email_2026-W52)"
$PY - "$T/ks" > "$T/ks.params" <<'PY'
import glob, sys, urllib.parse
for f in sorted(glob.glob(sys.argv[1] + "/*.req")):
    raw = open(f, "rb").read().split(b"\n\n", 1)[1].decode()
    p = dict(urllib.parse.parse_qsl(raw))
    print("%s %s %s" % (p["PhoneNumbers"], p["TemplateCode"], p["TemplateParam"]))
PY
expect_eq "one SMS in three runs" 1 "$(wc -l < "$T/ks.params")"
expect_in "the duty's warning by SMS, with the duty template" \
    '13800138021 SMS_0004 {"name":"李明","duty":"分管领导谈心谈话","period":"2026年第四季度","required":"1","done":"0","days":"8","count":"1"}' \
    "$T/ks.params"
expect_eq "the outbox holds each once: robot duty, robot digest, SMS" \
    "1|1|1" "$(sqlite3 "$T/kinds.db" "select
    (select count(*) from outbox where channel = 'im' and kind = 'reminder'),
    (select count(*) from outbox where key = 'digest:im:leaders:2026-W52'),
    (select count(*) from outbox where channel = 'sms')")"
expect_eq "and all went out" "0" "$(sqlite3 "$T/kinds.db" \
    "select count(*) from outbox where status <> 'sent'")"
# The quarter closed short: the shortfall reaches the robot and, by SMS,
# the principal (李明 has no leader); the new week's summary goes too.
$DUTYD -c "$T/kinds.conf" --once --now "2027-01-04 09:30" >> "$T/kinds.log" 2>&1
$PY - "$T/kr" > "$T/kr.posts" <<'PY'
import glob, json, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.req"), key=lambda f: int(f.rsplit("/", 1)[1].split(".")[0])):
    body = json.loads(open(f, "rb").read().split(b"\n\n", 1)[1])
    md = body["markdown"]
    print(md["title"], md["text"].replace("\n", "\\n"))
PY
expect_eq "the next quarter: a shortfall post and the new week's summary" \
    "4 2" "$(wc -l < "$T/kr.posts") $(grep -c '^团县委整改周报摘要 ' "$T/kr.posts")"
expect_in "the robot hears of the shortfall" \
    "**分管领导谈心谈话** <font color=\"warning\">未完成</font>，2026年第四季度要求不少于1次，实际开展0次，责任人李明" \
    "$T/kr.posts"
expect_in "the summary of week 1 lists the shortfall" \
    "常态化工作本期已完成0/1项，上一周期未完成1项" "$T/kr.posts"
$PY - "$T/ks" > "$T/ks.params" <<'PY'
import glob, sys, urllib.parse
for f in sorted(glob.glob(sys.argv[1] + "/*.req")):
    raw = open(f, "rb").read().split(b"\n\n", 1)[1].decode()
    p = dict(urllib.parse.parse_qsl(raw))
    print("%s %s %s" % (p["PhoneNumbers"], p["TemplateCode"], p["TemplateParam"]))
PY
expect_in "the shortfall by SMS to the principal, with its template" \
    '13800138022 SMS_0003 {"name":"王书记","duty":"分管领导谈心谈话","period":"2026年第四季度","required":"1","done":"0","owner":"李明","count":"1"}' \
    "$T/ks.params"
expect_eq "two SMS in all" 2 "$(wc -l < "$T/ks.params")"
stop_pid "$ROBOT_PID"
stop_pid "$HTTPD_PID"

# --- a kind that would never be sent is refused, in Chinese, at its line --
sed -e 's/enabled = true; weekday = "mon"/enabled = false; weekday = "mon"/' \
    "$T/kinds.conf" > "$T/nokind.conf"
chmod 600 "$T/nokind.conf"
LANGUAGE=zh_CN $DUTYCTL -c "$T/nokind.conf" check-config > "$T/nokind.out" 2>&1
expect_eq "a robot taking the digest when there is none is refused" 78 $?
expect_in "with the file, line and reason in Chinese" \
    "nokind.conf:18: im.[0].kinds: 接收类型“digest”，但digest.enabled 为 false（周报未启用）：这类消息永远不会发送" \
    "$T/nokind.out"
LANGUAGE=zh_CN $DUTYD -n -c "$T/nokind.conf" > "$T/nokind-d.out" 2>&1
expect_eq "and dutyd -n refuses it too" 78 $?
sed -e 's/channels = \[ "email", "sms", "im" \]/channels = [ "email", "sms" ]/' \
    "$T/kinds.conf" > "$T/noduty.conf"
chmod 600 "$T/noduty.conf"
LANGUAGE=zh_CN $DUTYCTL -c "$T/noduty.conf" check-config > "$T/noduty.out" 2>&1
expect_eq "a robot taking duties that no duty sends to is refused" 78 $?
expect_in "saying why" \
    "im.[0].kinds: 接收类型“duty”，但没有哪项常态化工作的 channels 含“im”" \
    "$T/noduty.out"

finish
