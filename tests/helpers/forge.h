/* Test helper: signed envelopes altered the way a forger (or a buggy district) might. */
#ifndef LOAXA_TESTS_FORGE_H
#define LOAXA_TESTS_FORGE_H

#include <jansson.h>

/* env with its key_id replaced by kid (taken); a new string to free, or NULL. */
char	*forge_key_id(const char *env, json_t *kid);

#endif
