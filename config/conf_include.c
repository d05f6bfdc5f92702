/*
 * The files an @include names, checked before libconfig opens them. libconfig
 * 1.5 opens includes itself with a blocking fopen(): a FIFO (or a device)
 * named there would hang the station in its only loop, and `loaxad --check`
 * with it. Each included file, and what it includes in turn, is opened the
 * way we open every file we did not make (readfile.h) first.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"
#include "config/i18n.h"
#include "config/readfile.h"

#define CONF_INCLUDE_DEPTH	10	/* libconfig's own limit */

/* The file name of an "@include" line at p (leading blanks skipped), or 0. */
static size_t
include_name(const char *p, char *name, size_t len)
{
	const char *e;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "@include", 8) != 0)
		return 0;
	for (p += 8; *p == ' ' || *p == '\t'; p++)
		;
	if (*p++ != '"' || (e = strpbrk(p, "\"\n")) == NULL || *e != '"' ||
	    (n = (size_t)(e - p)) == 0 || n >= len)
		return 0;
	memcpy(name, p, n);
	name[n] = '\0';
	return n;
}

/* Records "FILE:LINE: @include "NAME": reason". */
static int
include_fail(struct conf_ctx *ctx, const char *file, int line, const char *name, const char *why)
{
	char q[128];

	ctx->n_errors++;
	conf_quote(name, q, sizeof(q));
	if (ctx->errs != NULL)
		errlist_add(ctx->errs, _("%s:%d: @include \"%s\": %s; include only configuration "
		    "files"), file, line, q, why);
	return -EINVAL;
}

static int
include_check_text(struct conf_ctx *ctx, const char *text, const char *file,
    const char *basedir, int depth)
{
	char name[PATH_MAX], path[PATH_MAX], *sub;
	const char *p, *nl;
	int line, rc, bad = 0;

	for (p = text, line = 1; p != NULL; p = nl != NULL ? nl + 1 : NULL, line++) {
		nl = strchr(p, '\n');
		if (include_name(p, name, sizeof(name)) == 0)
			continue;
		if (depth >= CONF_INCLUDE_DEPTH)
			return include_fail(ctx, file, line, name, _("includes are nested too deep"));
		if ((rc = conf_path_resolve(basedir, name, path, sizeof(path))) < 0 ||
		    (rc = readfile_text(path, CONF_MAX_BYTES, &sub)) < 0) {
			bad = include_fail(ctx, file, line, name, readfile_strerror(rc));
			continue;
		}
		if (include_check_text(ctx, sub, path, basedir, depth + 1) < 0)
			bad = -EINVAL;
		free(sub);
	}
	return bad;
}

int
conf_check_includes(struct conf_ctx *ctx, const char *text, const char *basedir)
{
	return include_check_text(ctx, text, ctx->name, basedir, 0);
}
