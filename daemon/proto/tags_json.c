/* A bulletin's tags in JSON (see tags_json.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/errlist.h"
#include "config/i18n.h"
#include "daemon/proto/tags_json.h"

json_t *
tags_json_array(const struct tags *t)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < t->n; i++) {
		if (json_array_append_new(a, json_string(t->v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int
tags_json_parse(const json_t *v, struct tags *t, char *why, size_t whylen)
{
	char reason[256];
	const json_t *e;
	size_t i;
	int rc;

	if (v == NULL)
		return 0;
	if (!json_is_array(v)) {
		errlist_why(why, whylen, "%s", _("the tags are not a list of texts"));
		return -EINVAL;
	}
	json_array_foreach(v, i, e) {
		/* jansson takes strings with a NUL inside; a tag cannot have one. */
		if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e)) {
			errlist_why(why, whylen, _("tag %zu is not text"), i + 1);
			return -EINVAL;
		}
		if ((rc = tags_add(t, json_string_value(e), reason, sizeof(reason))) < 0) {
			errlist_why(why, whylen, _("tag %zu: %s"), i + 1, reason);
			return rc;
		}
	}
	return 0;
}

char *
tags_json_dumps(const struct tags *t, int *rc)
{
	json_t *a;
	char *text = NULL;

	*rc = 0;
	if (t->n == 0)
		return NULL;
	if ((a = tags_json_array(t)) != NULL)
		text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (text == NULL)
		*rc = -ENOMEM;
	return text;
}

int
tags_json_loads(const char *text, struct tags *t, char *why, size_t whylen)
{
	json_t *v;
	int rc;

	if (text == NULL)
		return 0;
	if ((v = json_loads(text, 0, NULL)) == NULL) {
		errlist_why(why, whylen, "%s", _("the tags are not JSON"));
		return -EINVAL;
	}
	rc = tags_json_parse(v, t, why, whylen);
	json_decref(v);
	return rc;
}
