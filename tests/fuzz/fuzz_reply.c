/*
 * fuzz_reply: libFuzzer target for what reads an officer's answer by
 * email: mime_reply_parse (threading headers, Authentication-Results,
 * text, attachments) and then reply_parse on its text (the first-line
 * grammar).  Anyone can write to the replies address.  Built and run by
 * `make fuzz`; `make fuzz-replay` replays the corpus.
 */
#include <stddef.h>
#include <stdint.h>

#include "mime.h"
#include "reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 inited;
	struct mime_reply	 r;
	struct reply_line	 l;
	struct derr		 err;

	if (!inited) {
		mime_global_init();
		inited = 1;
	}
	if (mime_reply_parse((const char *)data, size, 4096, &r, &err) < 0)
		return 0;
	(void)reply_parse(r.text, &l);	/* either way `l` is filled */
	reply_line_clear(&l);
	mime_reply_clear(&r);
	return 0;
}
