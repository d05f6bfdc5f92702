/* A play: its id and its cleanup (see play.h). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/proto/play.h"

void
play_id_new(char id[33])
{
	unsigned char raw[16];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, 33, raw, sizeof(raw));
}

void
play_item_clear(struct play_item *it)
{
	free(it->path);
	free(it->file);
	free(it->title);
	free(it->slot);
	memset(it, 0, sizeof(*it));
}
