/*
 * libFuzzer over what the district collector reads from the broker
 * (daemon/collector/collect_msg.c): a station's topic, its events and its
 * status, as a compromised station or a broken one could send them. The
 * first byte picks the reader; the rest is the topic or the payload. Besides
 * the sanitizers it checks that a record taken always has what identifies it
 * (an event, and a play_id or an id) and a number that is none or positive.
 * Build and run: make fuzz (or make fuzz-build; build-fuzz/fuzz/fuzz_collect_msg).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/collector/collect_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char region[CMSG_ID_MAX], station[CMSG_ID_MAX], why[256], *text;
	struct cmsg_record rec;
	struct cmsg_status st;
	enum cmsg_leaf leaf;
	int rc;

	if (size < 1 || (text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		if (cmsg_topic(text, region, station, &leaf) == 0 &&
		    (region[0] == '\0' || station[0] == '\0'))
			abort();
		break;
	case 1:
		rc = cmsg_record_parse(text, size - 1, &rec, why, sizeof(why));
		if (rc == 0 && (rec.event == NULL || rec.ref == NULL || rec.seq < 0))
			abort();
		cmsg_record_clear(&rec);
		break;
	default:
		if (cmsg_status_parse(text, size - 1, &st, why, sizeof(why)) == 0 &&
		    st.online != 0 && st.online != 1)
			abort();
		cmsg_status_clear(&st);
	}
	free(text);
	return 0;
}
