/*
 * The walk over a group's members that rejects unknown settings (libconfig
 * accepts them silently), with a "did you mean" for a near miss; and the
 * lookup of a member group.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"
#include "config/i18n.h"

/* Optimal string alignment distance, ignoring case; names are short. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[33][33], c;

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			c = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			d[i][j] = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < d[i][j])
				d[i][j] = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < d[i][j])
				d[i][j] = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

const char *
conf_suggest(const char *name, const char *const *known)
{
	size_t best = SIZE_MAX, d, limit = strlen(name) <= 4 ? 1 : 2;
	const char *pick = NULL;

	for (; *known != NULL; known++) {
		d = edit_distance(name, *known);
		if (d < best) {
			best = d;
			pick = *known;
		}
	}
	return best <= limit ? pick : NULL;
}

static int
is_known(const char *name, const char *const *known)
{
	for (; *known != NULL; known++)
		if (strcmp(name, *known) == 0)
			return 1;
	return 0;
}

void
conf_check_keys(struct conf_ctx *ctx, const config_setting_t *grp, const char *const *known)
{
	char where[256], list[512];
	const config_setting_t *s;
	const char *name, *hint;
	size_t o;
	int i, rc;

	conf_setting_path(grp, where, sizeof(where));
	for (i = 0; (s = config_setting_get_elem(grp, (unsigned)i)) != NULL; i++) {
		name = config_setting_name(s);
		if (name == NULL || is_known(name, known))
			continue;
		if ((hint = conf_suggest(name, known)) != NULL) {
			if (where[0] != '\0')
				conf_err(ctx, s, NULL, _("unknown setting '%s' in %s; did you mean '%s'?"),
				    name, where, hint);
			else
				conf_err(ctx, s, NULL, _("unknown setting '%s'; did you mean '%s'?"),
				    name, hint);
			continue;
		}
		list[0] = '\0';
		for (o = 0; known[o] != NULL; o++) {
			rc = snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			    o ? ", " : "", known[o]);
			if (rc < 0 || (size_t)rc >= sizeof(list) - strlen(list))
				break;
		}
		conf_err(ctx, s, NULL, _("unknown setting '%s' in %s; remove it or correct its name "
		    "(known here: %s)"), name, where[0] != '\0' ? where : _("the file"), list);
	}
}

const config_setting_t *
conf_group(struct conf_ctx *ctx, const config_setting_t *parent, const char *key,
    int required, const char *example)
{
	const config_setting_t *g = config_setting_get_member(parent, key);

	if (g == NULL) {
		if (required)
			conf_err(ctx, parent, key, _("this required group is missing; add it, e.g. %s"),
			    example);
		return NULL;
	}
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_err(ctx, g, NULL, _("must be a group of settings in braces, e.g. %s"), example);
		return NULL;
	}
	return g;
}
