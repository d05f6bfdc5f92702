/* A bulletin's tags: what a tag may be, and a small ordered set of them (see tags.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "config/tags.h"

int
tag_check(const char *tag, char *why, size_t whylen)
{
	size_t n = strlen(tag);

	if (n == 0)
		errlist_why(why, whylen, "%s", _("a tag is empty; write a word such as "
		    "\"giam-ngheo\", or leave the tag out"));
	else if (n > TAG_MAX_BYTES)
		errlist_why(why, whylen, _("a tag is %zu bytes long; a tag has at most %d bytes"),
		    n, TAG_MAX_BYTES);
	else if (!conf_utf8_valid(tag))
		errlist_why(why, whylen, "%s", _("a tag is not valid UTF-8 text; save the "
		    "file with the UTF-8 encoding"));
	else if (!conf_text_clean(tag))
		errlist_why(why, whylen, "%s", _("a tag holds a control character (such as a "
		    "tab or a line break); remove it"));
	else if (tag[0] == ' ' || tag[n - 1] == ' ')
		errlist_why(why, whylen, "%s", _("a tag starts or ends with a space; remove "
		    "the space"));
	else
		return 0;
	return -EINVAL;
}

int
tags_has(const struct tags *t, const char *tag)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i], tag) == 0)
			return 1;
	return 0;
}

int
tags_add(struct tags *t, const char *tag, char *why, size_t whylen)
{
	char **nv, *copy;
	int rc;

	if ((rc = tag_check(tag, why, whylen)) < 0)
		return rc;
	if (tags_has(t, tag))
		return 0;
	if (t->n == TAGS_MAX) {
		errlist_why(why, whylen, _("a bulletin has at most %d tags; this one would have "
		    "more"), TAGS_MAX);
		return -EINVAL;
	}
	errlist_why(why, whylen, "%s", _("out of memory"));
	if ((copy = strdup(tag)) == NULL)
		return -ENOMEM;
	if ((nv = realloc(t->v, (t->n + 1) * sizeof(*nv))) == NULL) {
		free(copy);
		return -ENOMEM;
	}
	nv[t->n++] = copy;
	t->v = nv;
	return 0;
}

int
tags_add_all(struct tags *dst, const struct tags *src, char *why, size_t whylen)
{
	size_t i;
	int rc;

	for (i = 0; i < src->n; i++)
		if ((rc = tags_add(dst, src->v[i], why, whylen)) < 0)
			return rc;
	return 0;
}

int
tags_copy(struct tags *dst, const struct tags *src)
{
	size_t i;

	*dst = (struct tags){ NULL, 0 };
	if (src->n == 0)
		return 0;
	if ((dst->v = calloc(src->n, sizeof(*dst->v))) == NULL)
		return -ENOMEM;
	for (i = 0; i < src->n; i++) {
		if ((dst->v[i] = strdup(src->v[i])) == NULL) {
			dst->n = i;
			tags_clear(dst);
			return -ENOMEM;
		}
	}
	dst->n = src->n;
	return 0;
}

void
tags_clear(struct tags *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
