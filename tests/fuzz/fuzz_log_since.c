/*
 * libFuzzer over the TIME that 'loaxactl log --since' sends to the daemon
 * (station_log_since, daemon/station/station_log.c). Besides the sanitizers it checks
 * that whatever parses comes back the same through the ISO 8601 form the
 * reports carry, and that a refusal leaves the output alone.
 * Build and run: make fuzz (or make fuzz-build; build-fuzz/fuzz/fuzz_log_since).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/timeparse.h"
#include "daemon/station/station_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const time_t now = 1795334400;		/* 2026-11-22 15:00 +07 */
	char *text, iso[64];
	time_t t = 42, again = 43;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (station_log_since(text, now, &t) < 0) {
		if (t != 42)
			abort();	/* a refusal must not touch the result */
	} else if (timeparse_format_iso(t, iso, sizeof(iso)) == 0) {
		if (station_log_since(iso, now, &again) < 0 || again != t)
			abort();	/* the reports' own form must read back the same */
	}
	free(text);
	return 0;
}
