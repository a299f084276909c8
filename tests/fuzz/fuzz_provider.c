/*
 * fuzz_provider: libFuzzer target for the readers of what SMS providers and
 * chat robots answer (sms_reply_classify, im_reply_classify): a hostile
 * or broken gateway decides every byte.  The first input byte picks the
 * reader (Aliyun, Tencent, DingTalk, WeCom, Feishu, webhook), the second
 * the HTTP status; the rest is the body.  Besides memory errors it traps
 * when an outcome is out of range, a failure carries no sentence, a
 * sentence is not NUL-terminated in its buffer, or a sent SMS has a
 * provider id that overruns its 128 bytes.  Built and run by `make fuzz`;
 * `make fuzz-replay` replays tests/fuzz/corpus/provider.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "channels/channel.h"
#include "channels/im.h"
#include "channels/sms.h"
#include "err.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const long statuses[] = { 200, 200, 200, 200, 400, 403, 429, 500,
	503, 204, 302, 0 };

static void
check(enum channel_outcome oc, const struct derr *err)
{
	if (oc < CHANNEL_SENT || oc > CHANNEL_PAUSED)
		__builtin_trap();
	if (memchr(err->msg, '\0', sizeof(err->msg)) == NULL)
		__builtin_trap();
	if (oc != CHANNEL_SENT && err->msg[0] == '\0')
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct derr		 err;
	char			 peer[128 + 1];
	enum channel_outcome	 oc;
	unsigned		 which;
	long			 status;

	if (size < 2)
		return 0;
	which = data[0] % 6;
	status = statuses[data[1] % (sizeof(statuses) / sizeof(statuses[0]))];
	data += 2;
	size -= 2;
	memset(&err, 0, sizeof(err));
	memset(peer, 'X', sizeof(peer));
	peer[0] = '\0';
	if (which < 2) {
		oc = sms_reply_classify(which == 0 ? SMS_ALIYUN : SMS_TENCENT,
		    status, (const char *)data, size, peer, &err);
		if (peer[128] != 'X' || memchr(peer, '\0', 128) == NULL)
			__builtin_trap();
	} else
		oc = im_reply_classify((enum im_type)(which - 2), status,
		    (const char *)data, size, &err);
	check(oc, &err);
	return 0;
}
