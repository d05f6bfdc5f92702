/*
 * The one shape of a problem in a libconfig file: "FILE:LINE: SETTING:
 * reason", where SETTING is the dotted path of the setting at fault.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"

/* The dotted path of s: "audio.rate", "slots.[1].items.[0].file". */
void
conf_setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *chain[CONF_PATH_DEPTH];
	size_t n = 0, o = 0;
	int rc;

	buf[0] = '\0';
	for (; s != NULL && !config_setting_is_root(s) && n < CONF_PATH_DEPTH; s = config_setting_parent(s))
		chain[n++] = s;
	while (n-- > 0) {
		const char *name = config_setting_name(chain[n]);

		if (name != NULL)
			rc = snprintf(buf + o, len - o, "%s%s", o ? "." : "", name);
		else
			rc = snprintf(buf + o, len - o, "%s[%d]", o ? "." : "",
			    config_setting_index(chain[n]));
		if (rc < 0 || (size_t)rc >= len - o)
			return;		/* a cut path still points the way */
		o += (size_t)rc;
	}
}

int
conf_err(struct conf_ctx *ctx, const config_setting_t *s, const char *key, const char *fmt, ...)
{
	char path[256], reason[1024];
	const char *file = config_setting_source_file(s);
	unsigned line = config_setting_source_line(s);
	va_list ap;

	ctx->n_errors++;
	if (ctx->errs == NULL)
		return -EINVAL;
	conf_setting_path(s, path, sizeof(path));
	if (key != NULL && path[0] != '\0')
		(void)snprintf(path + strlen(path), sizeof(path) - strlen(path), ".%s", key);
	else if (key != NULL)
		(void)snprintf(path, sizeof(path), "%s", key);
	va_start(ap, fmt);
	(void)vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* The root has no line: a missing top-level group is shown at the top. */
	errlist_add(ctx->errs, "%s:%u: %s: %s", file != NULL ? file : ctx->name,
	    line > 0 ? line : 1, path, reason);
	return -EINVAL;
}
