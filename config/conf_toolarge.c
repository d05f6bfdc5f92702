/*
 * Whole numbers too large for an int. libconfig 1.5 keeps their low 32 bits
 * without a word; this file finds them in the text and marks their settings,
 * so that conf_int() refuses them instead of using a wrong number.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"
#include "config/i18n.h"

/* The hook of an INT setting whose literal did not fit in 32 bits. */
static char too_large_mark[] = "too large";

/* What a number is matched with: its setting's name when it has one, else its value. */
struct int_want {
	const char	*name;		/* NULL: match value */
	size_t		 len;
	int		 value;
};

static int
int_matches(config_setting_t *s, const struct int_want *w)
{
	const char *n = config_setting_name(s);

	if (w->name == NULL)
		return config_setting_get_int(s) == w->value;
	return n != NULL && strlen(n) == w->len && strncmp(n, w->name, w->len) == 0;
}

/*
 * The unmarked INT setting under s that matches w, on the last line at or
 * before line (a value may be on a line after its name), or NULL.
 */
static config_setting_t *
int_before(config_setting_t *s, unsigned line, const struct int_want *w, config_setting_t *best,
    int depth)
{
	config_setting_t *e;
	unsigned at = config_setting_source_line(s);
	int i;

	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		if (at <= line && config_setting_get_hook(s) == NULL && int_matches(s, w) &&
		    (best == NULL || at > config_setting_source_line(best)))
			return s;
		return best;
	}
	if (!config_setting_is_aggregate(s) || depth > CONF_PATH_DEPTH)
		return best;
	for (i = 0; (e = config_setting_get_elem(s, (unsigned)i)) != NULL; i++)
		best = int_before(e, line, w, best, depth + 1);
	return best;
}

/* The name written just before the number at p ("name = 5", "name: -5"), or 0. */
static size_t
name_before(const char *p, const char *name, const char *name_end)
{
	const char *q;

	if (name == NULL)
		return 0;
	for (q = name_end; q < p; q++)
		if (strchr(" \t\r\n=:+-", *q) == NULL)
			return 0;
	return (size_t)(name_end - name);
}

/*
 * Skips the number at *p; 1 when it is a whole number too large for an int,
 * with *as_read the value libconfig made of it (strtoll or strtoull, then
 * the low 32 bits).
 */
static int
number_too_large(const char **p, int neg, int *as_read)
{
	int hex = (*p)[0] == '0' && ((*p)[1] == 'x' || (*p)[1] == 'X'), base = hex ? 16 : 10;
	unsigned long long v = 0, d, u;
	int over = 0;

	*p += hex ? 2 : 0;
	for (; hex ? isxdigit((unsigned char)**p) : isdigit((unsigned char)**p); (*p)++) {
		d = isdigit((unsigned char)**p) ? (unsigned)(**p - '0') :
		    (unsigned)(tolower((unsigned char)**p) - 'a' + 10);
		if (v > (ULLONG_MAX - d) / (unsigned)base)
			over = 1;
		else
			v = v * (unsigned)base + d;
	}
	if (!hex && (**p == '.' || **p == 'e' || **p == 'E')) {
		while (**p != '\0' && (isdigit((unsigned char)**p) || strchr(".eE+-", **p) != NULL))
			(*p)++;
		return 0;	/* a float */
	}
	if (**p == 'L')
		return 0;	/* a 64-bit whole number: libconfig keeps it */
	if (hex)
		u = over ? ULLONG_MAX : v;
	else if (neg)
		u = over || v > (unsigned long long)LLONG_MAX + 1 ? (unsigned long long)LLONG_MIN : 0 - v;
	else
		u = over || v > LLONG_MAX ? (unsigned long long)LLONG_MAX : v;
	*as_read = (int)(int32_t)(uint32_t)u;
	return over || v > (hex ? 0xffffffffULL : neg ? 2147483648ULL : 2147483647ULL);
}

/*
 * libconfig 1.5 silently keeps the low 32 bits of a whole number too large
 * for an int (5000000000 reads as 705032704). Find such numbers in the text
 * and mark their settings, so that conf_int() refuses them.
 */
void
conf_mark_too_large(struct conf_ctx *ctx, config_t *cf, const char *text)
{
	const char *p = text, *name = NULL, *name_end = NULL, *num;
	config_setting_t *s;
	unsigned line = 1, found = 0;
	struct int_want want;
	int as_read;

	while (*p != '\0' && found < ERRLIST_MAX) {
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				line += *p == '\n';
			}
			p += *p != '\0';
		} else if (*p == '#' || (*p == '/' && p[1] == '/')) {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (*p == '/' && p[1] == '*') {
			for (p += 2; *p != '\0' && !(*p == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += *p != '\0' ? 2 : 0;
		} else if (isalpha((unsigned char)*p) || *p == '_' || *p == '*' || *p == '@') {
			for (name = p; *p != '\0' && (isalnum((unsigned char)*p) ||
			    strchr("_-*@", *p) != NULL); p++)
				;	/* a name, digits and all */
			name_end = p;
		} else if (isdigit((unsigned char)*p)) {
			num = p;
			if (!number_too_large(&p, p > text && p[-1] == '-', &as_read))
				continue;
			found++;
			/* A number is its named setting's, whatever else holds the same low bits. */
			want = (struct int_want){ name, name_before(num, name, name_end), as_read };
			if (want.len == 0)
				want.name = NULL;	/* a list element: by its value */
			s = int_before(config_root_setting(cf), line, &want, NULL, 0);
			if (s == NULL && want.name != NULL) {
				want.name = NULL;
				s = int_before(config_root_setting(cf), line, &want, NULL, 0);
			}
			if (s != NULL)
				config_setting_set_hook(s, too_large_mark);
			else {
				ctx->n_errors++;
				if (ctx->errs != NULL)
					errlist_add(ctx->errs, _("%s:%u: a whole number on this line is "
					    "too large; use a smaller one"), ctx->name, line);
			}
		} else
			line += *p++ == '\n';
	}
}

int
conf_too_large(const config_setting_t *s)
{
	return config_setting_get_hook(s) == too_large_mark;
}
