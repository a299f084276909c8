/*
 * fuzz_eword: libFuzzer target for the RFC 2047 encoded-word repair in
 * mime_parse.c (relabel_words, words_merge, eword_join), then GMime's
 * decoding and mime_clean_text, as a Subject or From header takes them.
 * fuzz_mime reaches the same code only behind a whole message; this one
 * calls it directly, so the fuzzer spends its time on the words.  The
 * functions are static, so the file is included.  Besides memory errors
 * it traps when the result is not valid UTF-8 or is longer than the cap.
 * Built and run by `make fuzz`; `make fuzz-replay` replays the corpus.
 */
#include "../../daemon/mime_parse.c"

#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static GMimeParserOptions	*o;
	char				*s, *fixed, *merged, *dec, *clean;

	if (o == NULL) {
		mime_global_init();
		o = parse_options();
	}
	if (size > MIME_RAW_FIELD_MAX)
		size = MIME_RAW_FIELD_MAX;
	s = g_strndup((const char *)data, size);
	fixed = relabel_words(s);
	merged = words_merge(fixed);
	dec = g_mime_utils_header_decode_text(o, merged);
	clean = mime_clean_text(dec, MIME_FIELD_MAX);
	if (!g_utf8_validate(clean, -1, NULL) ||
	    strlen(clean) > MIME_FIELD_MAX)
		__builtin_trap();
	free(clean);
	g_free(merged);
	g_free(fixed);
	g_free(s);
	return 0;
}
