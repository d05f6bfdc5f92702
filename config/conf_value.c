/*
 * The typed value parsers: a whole number in a range, a string of checked
 * UTF-8 text, an id. Each records its problem with conf_err() and names the
 * range or shows an example, so that the operator knows what to write.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"
#include "config/i18n.h"

/* A required setting is missing from grp: say where to add it. */
static int
missing(struct conf_ctx *ctx, const config_setting_t *grp, const char *key, const char *example)
{
	char where[256];

	conf_setting_path(grp, where, sizeof(where));
	if (where[0] == '\0')
		return conf_err(ctx, grp, key, _("this required setting is missing; add it, e.g. %s"),
		    example);
	return conf_err(ctx, grp, key,
	    _("this required setting is missing; add it to %s, e.g. %s"), where, example);
}

int
conf_int(struct conf_ctx *ctx, const config_setting_t *grp, const char *key,
    long long lo, long long hi, int required, long long *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	long long v;
	char ex[64];

	(void)snprintf(ex, sizeof(ex), "%s = %lld;", key, lo);
	if (s == NULL)
		return required ? missing(ctx, grp, key, ex) : 0;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		break;
	case CONFIG_TYPE_STRING:
		if (lo == LLONG_MIN)
			return conf_err(ctx, s, NULL, _("must be a whole number without quotes"));
		return conf_err(ctx, s, NULL, _("must be a whole number without quotes, "
		    "from %lld to %lld"), lo, hi);
	default:
		if (lo == LLONG_MIN)
			return conf_err(ctx, s, NULL, _("must be a whole number"));
		return conf_err(ctx, s, NULL, _("must be a whole number from %lld to %lld"), lo, hi);
	}
	if (conf_too_large(s) && lo == LLONG_MIN)
		return conf_err(ctx, s, NULL, _("is too large to be a whole number"));
	if (conf_too_large(s))
		return conf_err(ctx, s, NULL, _("is too large; use a whole number from %lld to %lld"),
		    lo, hi);
	v = config_setting_get_int64(s);
	if (v < lo || v > hi)
		return conf_err(ctx, s, NULL, _("%lld is out of range; use a whole number "
		    "from %lld to %lld"), v, lo, hi);
	*out = v;
	return 1;
}

int
conf_volume(struct conf_ctx *ctx, const config_setting_t *grp, const char *key, double *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	double v;

	if (s == NULL)
		return 0;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = conf_too_large(s) ? 1e9 : (double)config_setting_get_int64(s);
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	default:
		return conf_err(ctx, s, NULL, _("must be a number of decibels without quotes, "
		    "from %.0f to %.0f, e.g. %s = -6; or %s = 3.5;"), CONF_VOLUME_MIN,
		    CONF_VOLUME_MAX, key, key);
	}
	if (!(v >= CONF_VOLUME_MIN && v <= CONF_VOLUME_MAX))
		return conf_err(ctx, s, NULL, _("%g dB is out of range; use a number of decibels "
		    "from %.0f (much quieter) to +%.0f (louder), 0 leaves the sound as it is"), v,
		    CONF_VOLUME_MIN, CONF_VOLUME_MAX);
	*out = v;
	return 1;
}

int
conf_is_string(struct conf_ctx *ctx, const config_setting_t *s, const char *example)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return 0;
	return conf_err(ctx, s, NULL, _("must be text in double quotes, e.g. %s"), example);
}

/* Checks a string's content. 0 or -EINVAL once recorded. */
static int
text_check(struct conf_ctx *ctx, const config_setting_t *s, const char *v, size_t maxlen,
    const char *example)
{
	if (v[0] == '\0')
		return conf_err(ctx, s, NULL, _("is empty; write something, e.g. %s"), example);
	if (!conf_utf8_valid(v))
		return conf_err(ctx, s, NULL, _("is not valid UTF-8 text; save the file "
		    "with the UTF-8 encoding"));
	if (conf_utf8_has_control(v))
		return conf_err(ctx, s, NULL, _("contains a control character (such as a "
		    "tab or a line break); remove it"));
	if (strlen(v) > maxlen)
		return conf_err(ctx, s, NULL, _("is %zu bytes long; shorten it to at most %zu bytes"),
		    strlen(v), maxlen);
	return 0;
}

int
conf_text(struct conf_ctx *ctx, const config_setting_t *grp, const char *key,
    size_t maxlen, int required, const char *example, const char **out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	const char *v;

	if (s == NULL)
		return required ? missing(ctx, grp, key, example) : 0;
	if (conf_is_string(ctx, s, example) < 0)
		return -EINVAL;
	v = config_setting_get_string(s);
	if (text_check(ctx, s, v, maxlen, example) < 0)
		return -EINVAL;
	*out = v;
	return 1;
}

int
conf_id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] == '-' && i > 0)))
			return 0;
	return i >= 1 && i <= 63;
}
