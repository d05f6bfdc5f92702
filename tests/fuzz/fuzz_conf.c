/*
 * libFuzzer target over the station configuration parser (conf_parse_string).
 * Build and run (from the top of the tree):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *     tests/fuzz/fuzz_conf.c config/conf.c config/errlist.c \
 *     $(pkg-config --cflags --libs libconfig) -o build/fuzz_conf
 *   LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp build/fuzz_conf -max_total_time=60 -max_len=4096
 * (libconfig 1.5 leaks on some syntax errors: see tests/fuzz/lsan.supp).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;		/* large: keep it off the stack */
	struct errlist el;
	char *text;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* libconfig would open whatever file an @include names: not the parser under test. */
	if (strcasestr(text, "@include") == NULL) {
		errlist_init(&el);
		conf_defaults(&c);
		(void)conf_parse_string(text, "fuzz.cfg", "/nonexistent/loaxa", &c, &el);
		errlist_clear(&el);
		(void)conf_parse_string(text, "fuzz.cfg", NULL, &c, NULL);
	}
	free(text);
	return 0;
}
