/* A play: its id and its cleanup (see play.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
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

static int
play_strdup(char **dst, const char *src)
{
	return src == NULL || (*dst = strdup(src)) != NULL ? 0 : -ENOMEM;
}

static int
play_fallback_copy(struct play_item *dst, const struct play_item *src)
{
	size_t i;

	if (src->n_fallback == 0)
		return 0;
	if ((dst->fallback = calloc(src->n_fallback, sizeof(*dst->fallback))) == NULL)
		return -ENOMEM;
	dst->n_fallback = src->n_fallback;
	for (i = 0; i < src->n_fallback; i++)
		if ((dst->fallback[i] = strdup(src->fallback[i])) == NULL)
			return -ENOMEM;
	return 0;
}

int
play_item_copy(struct play_item *dst, const struct play_item *src)
{
	*dst = *src;
	dst->path = dst->file = dst->title = dst->slot = dst->relay = NULL;
	dst->fallback = NULL;
	dst->n_fallback = 0;
	dst->tags = (struct tags){ NULL, 0 };
	if (play_strdup(&dst->path, src->path) < 0 || play_strdup(&dst->file, src->file) < 0 ||
	    play_strdup(&dst->title, src->title) < 0 || play_strdup(&dst->slot, src->slot) < 0 ||
	    play_strdup(&dst->relay, src->relay) < 0 || play_fallback_copy(dst, src) < 0 ||
	    tags_copy(&dst->tags, &src->tags) < 0) {
		dst->chime = NULL;
		play_item_clear(dst);
		return -ENOMEM;
	}
	play_chime_ref(dst->chime);
	return 0;
}

void
play_item_clear(struct play_item *it)
{
	size_t i;

	free(it->path);
	free(it->file);
	free(it->title);
	free(it->slot);
	free(it->relay);
	for (i = 0; i < it->n_fallback; i++)
		free(it->fallback[i]);
	free(it->fallback);
	tags_clear(&it->tags);
	play_chime_unref(it->chime);
	memset(it, 0, sizeof(*it));
}

struct play_chime *
play_chime_new(const char *name, const unsigned char *ogg, size_t len)
{
	struct play_chime *c = malloc(sizeof(*c) + len);

	if (c == NULL)
		return NULL;
	atomic_init(&c->refs, 1);
	(void)snprintf(c->name, sizeof(c->name), "%s", name);
	c->len = len;
	memcpy(c->ogg, ogg, len);
	return c;
}

struct play_chime *
play_chime_ref(struct play_chime *c)
{
	if (c != NULL)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

void
play_chime_unref(struct play_chime *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}
