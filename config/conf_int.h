/*
 * What the pieces of the configuration checker (config/conf*.c) share and
 * nothing else needs. The public API, shared with the schedule, is conf.h.
 */
#ifndef LOAXA_CONF_INT_H
#define LOAXA_CONF_INT_H

#include <stddef.h>

#include "config/conf.h"

#define CONF_PATH_DEPTH	16	/* deeper than any file of ours nests */

/* conf_err.c: the dotted path of s: "audio.rate", "slots.[1].items.[0].file". */
void	conf_setting_path(const config_setting_t *s, char *buf, size_t len);

/* conf_utf8.c: 1 when s (valid UTF-8) holds a control character. */
int	conf_utf8_has_control(const char *s);

/*
 * conf_toolarge.c: marks every INT setting of cf whose literal in text did
 * not fit in 32 bits (each one that cannot be found is recorded), and tells
 * a marked setting.
 */
void	conf_mark_too_large(struct conf_ctx *, config_t *cf, const char *text);
int	conf_too_large(const config_setting_t *s);

/*
 * conf_include.c: every file text @includes (and what those include) is a
 * regular file that can be read; the others are recorded. 0 or -EINVAL.
 */
int	conf_check_includes(struct conf_ctx *, const char *text, const char *basedir);

/* conf_table.c: checks every group and setting under root into c. */
void	conf_parse_root(struct conf_ctx *, const config_setting_t *root, const char *basedir,
	    struct config *c);

#endif
