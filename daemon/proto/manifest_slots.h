/*
 * The slots of a signed manifest written back as schedule.cfg text, so that
 * schedule_parse_string() checks a district schedule exactly as it checks a
 * local one, with the same messages. Pure; used by manifest.c only.
 */
#ifndef LOAXA_MANIFEST_SLOTS_H
#define LOAXA_MANIFEST_SLOTS_H

#include <stddef.h>

#include <jansson.h>

#include "daemon/proto/manifest.h"

/*
 * slots (the manifest's "slots" array) as libconfig text, one slot a line
 * (slot i on line i + 2). The sha256 of each item, and of each bulletin of a
 * relay's "fallback", becomes file = "<sha256>.opus";
 * its size, duration and file name become m's bulletins (m->chunk_size must
 * be set). Any other value is written as it is, for schedule.c to judge;
 * nothing in a string can end it or start a libconfig directive. 0 and *text
 * (free it), or -EINVAL with *code and the reason in why.
 */
int	manifest_slots_text(json_t *slots, struct manifest *m, char **text,
	    enum manifest_code *code, char *why, size_t whylen);

#endif
