/*
 * fuzz_mime: libFuzzer target for mime_parse, the parser that reads
 * every message the public sends to the feedback mailbox.  Built and run
 * by `make fuzz`; `make fuzz-replay` replays the corpus.
 */
#include <stddef.h>
#include <stdint.h>

#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 inited;
	struct mime_msg	 m;
	struct derr	 err;

	if (!inited) {
		mime_global_init();
		inited = 1;
	}
	if (mime_parse((const char *)data, size, 1796000000, 480, &m,
	    &err) == 0)
		mime_msg_clear(&m);
	return 0;
}
