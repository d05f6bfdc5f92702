/*
 * A bulletin's tags (config/tags.h) in JSON, as every event carries them:
 * "tags":["giam-ngheo","du-an-6"], an array of strings in their order, each
 * tag once; a bulletin without tags has no "tags" member at all. The control
 * socket's "queue" request and the store's queue take the same array.
 */
#ifndef LOAXA_TAGS_JSON_H
#define LOAXA_TAGS_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "config/tags.h"

/* A new JSON array of t's tags (empty when t is), or NULL when memory is short. */
json_t	*tags_json_array(const struct tags *t);
/*
 * Adds the tags of v, a JSON array of strings, to t (tags_add: each checked,
 * a duplicate kept once); NULL v adds none. 0; -EINVAL with the reason in why (naming the tag's
 * place) when v is not such an array or a tag is not valid; -ENOMEM.
 */
int	 tags_json_parse(const json_t *v, struct tags *t, char *why, size_t whylen);
/* t as compact JSON text (free it), NULL when t is empty; *rc is -ENOMEM when it could not be made. */
char	*tags_json_dumps(const struct tags *t, int *rc);
/* tags_json_parse() over text; NULL text is no tags. */
int	 tags_json_loads(const char *text, struct tags *t, char *why, size_t whylen);

#endif
