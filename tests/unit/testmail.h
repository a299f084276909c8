/*
 * testmail: for the email channels' tests, the bytes of a channel_msg
 * as the outbox builds them when queueing (the channels build no mail).
 * Include after cmocka.h and mime.h.
 */
#ifndef DUTYD_TESTMAIL_H
#define DUTYD_TESTMAIL_H

#define TESTMAIL_MESSAGE_ID	"item.42.before.3@dutyd.example.cn"

/*
 * Build `msg` (with `html`, may be NULL) into `raw` (freed with
 * buf_clear) and point msg->raw at it.
 */
static void
testmail_build(struct channel_msg *msg, const char *html, struct buf *raw)
{
	struct mime_out	 m = {
		.from_addr = "duty@office.example.cn",
		.from_name = "县巡察整改办公室",
		.to_addr = msg->to_addr, .to_name = "张三",
		.subject = msg->subject, .text = msg->text, .html = html,
		.message_id = TESTMAIL_MESSAGE_ID, .date = msg->date,
		.utc_offset = 480,
	};
	struct derr	 err = { 0 };

	buf_init(raw, 1 << 20);
	assert_int_equal(mime_build(&m, raw, &err), 0);
	msg->raw = raw->data;
	msg->raw_len = raw->len;
}

#endif
