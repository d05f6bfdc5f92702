/*
 * The station configuration: libconfig reads the syntax, this file checks
 * every value's type and range against a table of the known settings and
 * reports each problem as "FILE:LINE: SETTING: reason", all at once. The
 * checking helpers at the top are shared with the schedule parser.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/keys.h"

#define PATH_DEPTH	16	/* deeper than any file of ours nests */

/* --- Helpers ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (its code point in *cp), or 0. */
static size_t
utf8_decode(const unsigned char *p, unsigned *cp)
{
	static const unsigned min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;
	unsigned c = p[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		n = 2, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 4, c &= 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
conf_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;
	size_t n;

	while (*p != '\0') {
		if ((n = utf8_decode(p, &cp)) == 0)
			return 0;
		p += n;
	}
	return 1;
}

static int
is_control(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

void
conf_quote(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n, limit;
	unsigned cp;

	if (len == 0)
		return;
	/* Room for "..." and the NUL; and no more than a line's worth. */
	limit = len > 84 ? 80 : (len > 4 ? len - 4 : 0);
	while (*p != '\0') {
		n = utf8_decode(p, &cp);
		if (n == 0 || is_control(cp)) {
			n = 1;
			if (o + 1 > limit)
				break;
			buf[o++] = '?';
		} else {
			if (o + n > limit)
				break;
			memcpy(buf + o, p, n);
			o += n;
		}
		p += n;
	}
	if (*p != '\0' && o + 3 < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

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

/* The dotted path of s: "audio.rate", "slots.[1].items.[0].file". */
static void
setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *chain[PATH_DEPTH];
	size_t n = 0, o = 0;
	int rc;

	buf[0] = '\0';
	for (; s != NULL && !config_setting_is_root(s) && n < PATH_DEPTH; s = config_setting_parent(s))
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
	setting_path(s, path, sizeof(path));
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

/* The hook of an INT setting whose literal did not fit in 32 bits. */
static char too_large_mark[] = "too large";

/*
 * The unmarked INT setting under s holding value, on the last line at or
 * before line (a value may be on a line after its name), or NULL.
 */
static config_setting_t *
int_before(config_setting_t *s, unsigned line, int value, config_setting_t *best, int depth)
{
	config_setting_t *e;
	unsigned at = config_setting_source_line(s);
	int i;

	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		if (at <= line && config_setting_get_hook(s) == NULL &&
		    config_setting_get_int(s) == value &&
		    (best == NULL || at > config_setting_source_line(best)))
			return s;
		return best;
	}
	if (!config_setting_is_aggregate(s) || depth > PATH_DEPTH)
		return best;
	for (i = 0; (e = config_setting_get_elem(s, (unsigned)i)) != NULL; i++)
		best = int_before(e, line, value, best, depth + 1);
	return best;
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
static void
mark_too_large(struct conf_ctx *ctx, config_t *cf, const char *text)
{
	const char *p = text;
	config_setting_t *s;
	unsigned line = 1, found = 0;
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
			while (*p != '\0' && (isalnum((unsigned char)*p) || strchr("_-*@", *p) != NULL))
				p++;	/* a name, digits and all */
		} else if (isdigit((unsigned char)*p)) {
			if (!number_too_large(&p, p > text && p[-1] == '-', &as_read))
				continue;
			found++;
			s = int_before(config_root_setting(cf), line, as_read, NULL, 0);
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
conf_read(struct conf_ctx *ctx, config_t *cf, const char *text, const char *basedir)
{
	const char *file, *what;

	if (basedir != NULL)		/* libconfig 1.5 strdup()s it unchecked */
		config_set_include_dir(cf, basedir);
	if (config_read_string(cf, text) == CONFIG_TRUE) {
		mark_too_large(ctx, cf, text);
		return 0;
	}
	ctx->n_errors++;
	file = config_error_file(cf);
	what = config_error_text(cf);
	if (what == NULL || strcmp(what, "syntax error") == 0)
		what = _("look on this line and the one before for a missing ';', '\"', "
		    "brace or parenthesis");
	if (ctx->errs != NULL)
		errlist_add(ctx->errs, _("%s:%d: syntax error: %s"), file != NULL ? file : ctx->name,
		    config_error_line(cf), what);
	return -EINVAL;
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

	setting_path(grp, where, sizeof(where));
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

/* A required setting is missing from grp: say where to add it. */
static int
missing(struct conf_ctx *ctx, const config_setting_t *grp, const char *key, const char *example)
{
	char where[256];

	setting_path(grp, where, sizeof(where));
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
	if (config_setting_get_hook(s) == too_large_mark && lo == LLONG_MIN)
		return conf_err(ctx, s, NULL, _("is too large to be a whole number"));
	if (config_setting_get_hook(s) == too_large_mark)
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
	const unsigned char *p;
	unsigned cp;
	size_t n;

	if (v[0] == '\0')
		return conf_err(ctx, s, NULL, _("is empty; write something, e.g. %s"), example);
	if (!conf_utf8_valid(v))
		return conf_err(ctx, s, NULL, _("is not valid UTF-8 text; save the file "
		    "with the UTF-8 encoding"));
	for (p = (const unsigned char *)v; *p != '\0'; p += n) {
		n = utf8_decode(p, &cp);
		if (is_control(cp))
			return conf_err(ctx, s, NULL, _("contains a control character (such as a "
			    "tab or a line break); remove it"));
	}
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
conf_path_resolve(const char *basedir, const char *path, char *out, size_t len)
{
	char cwd[PATH_MAX];
	int rc;

	if (path[0] == '/')
		rc = snprintf(out, len, "%s", path);
	else {
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		if (basedir == NULL || basedir[0] != '/') {
			if (getcwd(cwd, sizeof(cwd)) == NULL)
				return -errno;
			if (basedir != NULL && basedir[0] != '\0')
				rc = snprintf(out, len, "%s/%s/%s", cwd, basedir, path);
			else
				rc = snprintf(out, len, "%s/%s", strcmp(cwd, "/") ? cwd : "", path);
		} else
			rc = snprintf(out, len, "%s/%s",
			    strcmp(basedir, "/") ? basedir : "", path);
	}
	if (rc < 0 || (size_t)rc >= len)
		return -ENAMETOOLONG;
	return 0;
}

int
conf_basedir(const char *file, char *out, size_t len)
{
	char dir[PATH_MAX], *slash, *real;
	int rc;

	rc = snprintf(dir, sizeof(dir), "%s", file);
	if (rc < 0 || (size_t)rc >= sizeof(dir))
		return -ENAMETOOLONG;
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((real = realpath(dir, NULL)) == NULL)
		return -errno;
	rc = snprintf(out, len, "%s", real);
	free(real);
	if (rc < 0 || (size_t)rc >= len)
		return -ENAMETOOLONG;
	return 0;
}

int
conf_read_text(const char *path, size_t max, char **text)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	char *buf = NULL;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		goto fail_errno;
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto fail;
	}
	if ((buf = malloc(max + 1)) == NULL)
		goto fail_errno;
	/* Read one byte past max to tell a full file from a too large one. */
	while (n <= max && (r = read(fd, buf + n, max + 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail_errno;
		n += (size_t)r;
	}
	rc = n > max ? -EFBIG : memchr(buf, '\0', n) != NULL ? -EILSEQ : 0;
	if (rc < 0)
		goto fail;
	buf[n] = '\0';
	close(fd);
	*text = buf;
	return 0;
fail_errno:
	rc = -errno;
fail:
	free(buf);
	close(fd);
	return rc;
}

/* --- The station configuration ------------------------------------------ */

/* K_PUBKEY: a path to a district public key file, read and checked here. */
enum key_kind { K_ID, K_TEXT, K_PATH, K_INT, K_UINT, K_RATE, K_PUBKEY, K_BOOL };

struct conf_key {
	const char	*name;
	enum key_kind	 kind;
	size_t		 off;		/* in struct config */
	size_t		 size;		/* of the field */
	long long	 lo, hi;	/* numbers: the range; K_TEXT: hi is the longest */
	int		 required;
	const char	*example;
};

struct conf_group_def {
	const char	*name;
	const struct conf_key *keys;
	const char	*example;
};

#define FIELD(g, f)	offsetof(struct config, g.f), sizeof(((struct config *)0)->g.f)

static const struct conf_key station_keys[] = {
	{ "id", K_ID, FIELD(station, id), 0, 0, 1, "id = \"tan-thanh\";" },
	{ "region", K_ID, FIELD(station, region), 0, 0, 1, "region = \"hon-quan\";" },
	{ "name", K_TEXT, FIELD(station, name), 0, CONF_TEXT_MAX, 1,
	    "name = \"Đài truyền thanh xã Tân Thành\";" },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct conf_key audio_keys[] = {
	{ "device", K_TEXT, FIELD(audio, device), 0, 255, 0, "device = \"default\";" },
	{ "rate", K_RATE, FIELD(audio, rate), 0, 0, 0, "rate = 48000;" },
	{ "channels", K_UINT, FIELD(audio, channels), 1, 2, 0, NULL },
	{ "buffer_ms", K_UINT, FIELD(audio, buffer_ms), 20, 2000, 0, NULL },
	{ "mixer", K_TEXT, FIELD(audio, mixer), 0, 63, 0, "mixer = \"hw:0\";" },
	{ "mixer_control", K_TEXT, FIELD(audio, mixer_control), 0, 63, 0,
	    "mixer_control = \"Master\";" },
	{ "emergency_volume", K_INT, FIELD(audio, emergency_volume), 0, 100, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct conf_key mqtt_keys[] = {
	{ "host", K_TEXT, FIELD(mqtt, host), 0, 255, 0, "host = \"127.0.0.1\";" },
	{ "port", K_INT, FIELD(mqtt, port), 1, 65535, 0, NULL },
	{ "keepalive", K_INT, FIELD(mqtt, keepalive), 5, 3600, 0, NULL },
	{ "status_interval", K_INT, FIELD(mqtt, status_interval), 5, 86400, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct conf_key storage_keys[] = {
	{ "dir", K_PATH, FIELD(storage, dir), 0, 0, 1, "dir = \"/var/lib/loaxa\";" },
	{ "asrun_days", K_INT, FIELD(storage, asrun_days), 1, 3650, 0, NULL },
	{ "outbox_max", K_INT, FIELD(storage, outbox_max), 100, 1000000, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct conf_key control_keys[] = {
	{ "socket", K_PATH, FIELD(control, socket), 0, 0, 0,
	    "socket = \"/run/loaxa/control.sock\";" },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct conf_key schedule_keys[] = {
	{ "file", K_PATH, FIELD(schedule, file), 0, 0, 0, "file = \"/etc/loaxa/schedule.cfg\";" },
	{ "grace", K_INT, FIELD(schedule, grace), 0, 86400, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct conf_key district_keys[] = {
	{ "public_key", K_PUBKEY, FIELD(district, public_key), 0, 0, 0,
	    "public_key = \"/etc/loaxa/district.pub\";" },
	{ "test_alerts_sound", K_BOOL, FIELD(district, test_alerts_sound), 0, 0, 0,
	    "test_alerts_sound = false;" },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct conf_group_def groups[] = {
	{ "station", station_keys, "station = { id = \"tan-thanh\"; region = \"hon-quan\"; "
	    "name = \"Đài truyền thanh xã Tân Thành\"; };" },
	{ "audio", audio_keys, "audio = { device = \"default\"; };" },
	{ "mqtt", mqtt_keys, "mqtt = { host = \"127.0.0.1\"; };" },
	{ "storage", storage_keys, "storage = { dir = \"/var/lib/loaxa\"; };" },
	{ "control", control_keys, "control = { socket = \"/run/loaxa/control.sock\"; };" },
	{ "schedule", schedule_keys, "schedule = { file = \"schedule.cfg\"; };" },
	{ "district", district_keys, "district = { public_key = \"/etc/loaxa/district.pub\"; };" },
	{ NULL, NULL, NULL },
};

void
conf_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	(void)snprintf(c->audio.device, sizeof(c->audio.device), "default");
	c->audio.rate = 48000;
	c->audio.channels = 1;
	c->audio.buffer_ms = 250;
	(void)snprintf(c->audio.mixer_control, sizeof(c->audio.mixer_control), "Master");
	c->audio.emergency_volume = 100;
	(void)snprintf(c->mqtt.host, sizeof(c->mqtt.host), "127.0.0.1");
	c->mqtt.port = 1883;
	c->mqtt.keepalive = 60;
	c->mqtt.status_interval = 60;
	(void)snprintf(c->control.socket, sizeof(c->control.socket), "/run/loaxa/control.sock");
	c->schedule.grace = 600;
	c->storage.asrun_days = 90;	/* STORE_ASRUN_DAYS_DEFAULT */
	c->storage.outbox_max = 20000;	/* STORE_OUTBOX_MAX_DEFAULT */
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

/* The station refuses to start with a district key it cannot use: say why now. */
static void
check_public_key(struct conf_ctx *ctx, const config_setting_t *s, const char *path)
{
	unsigned char pk[KEYS_PUBLIC_BYTES];
	char why[256];

	if (keys_load_public(path, pk, why, sizeof(why)) < 0)
		conf_err(ctx, s, NULL, "%s", why);
}

static void
set_string(const struct conf_key *k, const config_setting_t *grp, struct conf_ctx *ctx,
    const char *basedir, struct config *c)
{
	char *field = (char *)c + k->off, q[128];
	const char *v;
	int rc;

	if (conf_text(ctx, grp, k->name, k->kind == K_TEXT ? (size_t)k->hi : PATH_MAX,
	    k->required, k->example, &v) <= 0)
		return;
	if (k->kind == K_ID && !conf_id_valid(v)) {
		conf_quote(v, q, sizeof(q));
		conf_err(ctx, config_setting_get_member(grp, k->name), NULL,
		    _("\"%s\" is not a valid id; use 1 to 63 lowercase letters a-z, digits and "
		    "'-', not starting with '-', e.g. %s"), q, k->example);
		return;
	}
	if (k->kind != K_PATH && k->kind != K_PUBKEY) {
		(void)snprintf(field, k->size, "%s", v);	/* the checks above make it fit */
		return;
	}
	rc = conf_path_resolve(basedir, v, field, k->size);
	if (rc == 0 && k->kind == K_PUBKEY)
		check_public_key(ctx, config_setting_get_member(grp, k->name), field);
	else if (rc == -ENAMETOOLONG)
		conf_err(ctx, config_setting_get_member(grp, k->name), NULL,
		    _("the path is too long once made absolute; use one shorter than %zu bytes"),
		    k->size);
	else if (rc < 0)
		conf_err(ctx, config_setting_get_member(grp, k->name), NULL,
		    _("cannot make the path absolute: %s; write it starting with '/'"),
		    strerror(-rc));
}

static void
set_bool(const struct conf_key *k, const config_setting_t *grp, struct conf_ctx *ctx,
    struct config *c)
{
	const config_setting_t *s = config_setting_get_member(grp, k->name);

	if (s == NULL)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(ctx, s, NULL, _("must be true or false, e.g. %s"), k->example);
		return;
	}
	*(int *)(void *)((char *)c + k->off) = config_setting_get_bool(s);
}

static void
set_number(const struct conf_key *k, const config_setting_t *grp, struct conf_ctx *ctx,
    struct config *c)
{
	static const unsigned rates[] = { 48000, 8000, 12000, 16000, 24000 };
	long long v;
	size_t i;

	if (k->kind != K_RATE) {
		if (conf_int(ctx, grp, k->name, k->lo, k->hi, k->required, &v) <= 0)
			return;
		if (k->kind == K_UINT)
			*(unsigned *)(void *)((char *)c + k->off) = (unsigned)v;
		else
			*(int *)(void *)((char *)c + k->off) = (int)v;
		return;
	}
	if (conf_int(ctx, grp, k->name, LLONG_MIN, LLONG_MAX, k->required, &v) <= 0)
		return;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (v == rates[i]) {
			*(unsigned *)(void *)((char *)c + k->off) = rates[i];
			return;
		}
	conf_err(ctx, config_setting_get_member(grp, k->name), NULL,
	    _("%lld is not a rate the station can play; use 48000 (or 8000, 12000, 16000, 24000)"),
	    v);
}

static int
group_required(const struct conf_group_def *g)
{
	const struct conf_key *k;

	for (k = g->keys; k->name != NULL; k++)
		if (k->required)
			return 1;
	return 0;
}

static void
parse_group(struct conf_ctx *ctx, const config_setting_t *root, const struct conf_group_def *gd,
    const char *basedir, struct config *c)
{
	const char *known[16];
	const config_setting_t *g;
	const struct conf_key *k;
	size_t n = 0;

	if ((g = conf_group(ctx, root, gd->name, group_required(gd), gd->example)) == NULL)
		return;
	for (k = gd->keys; k->name != NULL && n < 15; k++)
		known[n++] = k->name;
	known[n] = NULL;
	conf_check_keys(ctx, g, known);
	for (k = gd->keys; k->name != NULL; k++) {
		if (k->kind == K_ID || k->kind == K_TEXT || k->kind == K_PATH ||
		    k->kind == K_PUBKEY)
			set_string(k, g, ctx, basedir, c);
		else if (k->kind == K_BOOL)
			set_bool(k, g, ctx, c);
		else
			set_number(k, g, ctx, c);
	}
}

static void
parse_root(struct conf_ctx *ctx, const config_setting_t *root, const char *basedir,
    struct config *c)
{
	const char *known[16];
	size_t n = 0;

	for (n = 0; groups[n].name != NULL && n < 15; n++)
		known[n] = groups[n].name;
	known[n] = NULL;
	conf_check_keys(ctx, root, known);
	for (n = 0; groups[n].name != NULL; n++)
		parse_group(ctx, root, &groups[n], basedir, c);
}

int
conf_parse_string(const char *text, const char *name, const char *basedir,
    struct config *out, struct errlist *errs)
{
	struct conf_ctx ctx = { .name = name, .errs = errs };
	struct config *c;
	config_t cf;

	if ((c = malloc(sizeof(*c))) == NULL) {
		if (errs != NULL)
			errlist_add(errs, _("%s: out of memory while reading the configuration"), name);
		return -ENOMEM;
	}
	conf_defaults(c);
	(void)snprintf(c->path, sizeof(c->path), "%s", name);
	config_init(&cf);
	if (conf_read(&ctx, &cf, text, basedir) == 0)
		parse_root(&ctx, config_root_setting(&cf), basedir, c);
	config_destroy(&cf);
	if (ctx.n_errors == 0)
		*out = *c;
	free(c);
	return ctx.n_errors == 0 ? 0 : -EINVAL;
}

int
conf_load(const char *path, struct config *out, struct errlist *errs)
{
	char dir[PATH_MAX], *text = NULL;
	const char *base = strrchr(path, '/');
	int rc;

	rc = conf_read_text(path, CONF_MAX_BYTES, &text);
	if (rc == 0)
		rc = conf_basedir(path, dir, sizeof(dir));
	if (rc < 0) {
		if (errs != NULL && rc == -EFBIG)
			errlist_add(errs, _("%s: cannot read the configuration: it is larger than "
			    "%d bytes; is it the right file?"), path, CONF_MAX_BYTES);
		else if (errs != NULL && rc == -EILSEQ)
			errlist_add(errs, _("%s: cannot read the configuration: it contains a NUL "
			    "byte; is it really a text file?"), path);
		else if (errs != NULL)
			errlist_add(errs, _("%s: cannot read the configuration: %s; check the path "
			    "and that loaxa may read it"), path, strerror(-rc));
		free(text);
		return -EINVAL;
	}
	rc = conf_parse_string(text, path, dir, out, errs);
	free(text);
	/* Keep the absolute path, so that a reload after chdir() still finds it. */
	if (rc == 0 && conf_path_resolve(dir, base != NULL ? base + 1 : path, out->path,
	    sizeof(out->path)) < 0)
		(void)snprintf(out->path, sizeof(out->path), "%s", path);
	return rc;
}
