/*
 * The district manifest's slots back into schedule.cfg text. Values are
 * copied whatever their type (schedule.c says what is wrong with them, in its
 * own words); only member names, nulls and nesting are refused here, and the
 * bulletin fields (sha256, size, duration, file) of the items and of a
 * relay's fallback, which the schedule file has no word for, are checked and
 * recorded in the manifest.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "daemon/proto/manifest_slots.h"

#define MF_DEPTH_MAX	6	/* slots, slot, items (or fallback), item: deeper is no schedule */

/* A growing text buffer; oom once memory ran out or the bound was passed. */
struct sbuf {
	char	*p;
	size_t	 len, cap;
	int	 oom;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > 8 * (size_t)MANIFEST_MAX_BYTES || (np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* A libconfig string literal: no byte of s can end it or start a directive. */
static void
sb_quoted(struct sbuf *b, const char *s)
{
	char esc[8];

	sb_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sb_add(b, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			(void)snprintf(esc, sizeof(esc), "\\x%02x", c);
			sb_add(b, esc, 4);
		} else
			sb_add(b, s, 1);
	}
	sb_add(b, "\"", 1);
}

/* A JSON member name that is also a libconfig setting name. */
static int
mf_name_valid(const char *k)
{
	size_t i;

	if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z')))
		return 0;
	for (i = 1; k[i] != '\0'; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		    (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-'))
			return 0;
	return i <= 64;
}

/* State while the slots are written back as libconfig text. */
struct conv {
	struct sbuf	 out;
	struct manifest	*m;
	size_t		 cap_bulletins;
	char		*why;
	size_t		 whylen;
	enum manifest_code code;
};

static int
conv_fail(struct conv *c, enum manifest_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
conv_fail(struct conv *c, enum manifest_code code, const char *fmt, ...)
{
	va_list ap;

	c->code = code;
	if (c->why != NULL && c->whylen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int conv_value(struct conv *, json_t *v, const char *where, int depth);

static int
conv_members(struct conv *c, json_t *o, const char *where, int depth)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		if (!mf_name_valid(k))
			return conv_fail(c, MANIFEST_MALFORMED, _("%s has a member named \"%.40s\", "
			    "which no schedule setting is called"), where, k);
		sb_str(&c->out, k);
		sb_str(&c->out, " = ");
		if (conv_value(c, v, where, depth + 1) < 0)
			return -EINVAL;
		sb_str(&c->out, "; ");
	}
	return 0;
}

static int
conv_array(struct conv *c, json_t *a, const char *where, int depth)
{
	int scalars = 1;
	size_t i;
	json_t *e;

	json_array_foreach(a, i, e)
		if (json_is_object(e) || json_is_array(e) ||
		    json_typeof(e) != json_typeof(json_array_get(a, 0)))
			scalars = 0;
	/*
	 * libconfig: [ ] holds scalars of one kind, ( ) anything; mixed scalars
	 * go in a list, so that schedule.c names the one of the wrong kind.
	 */
	sb_str(&c->out, scalars ? "[ " : "( ");
	json_array_foreach(a, i, e) {
		if (i > 0)
			sb_str(&c->out, ", ");
		if (conv_value(c, e, where, depth + 1) < 0)
			return -EINVAL;
	}
	sb_str(&c->out, scalars ? " ]" : " )");
	return 0;
}

/* Any JSON value as libconfig; schedule.c then says what is wrong with it. */
static int
conv_value(struct conv *c, json_t *v, const char *where, int depth)
{
	char num[48];

	if (depth > MF_DEPTH_MAX)
		return conv_fail(c, MANIFEST_MALFORMED, _("%s nests deeper than a schedule does"),
		    where);
	switch (json_typeof(v)) {
	case JSON_STRING:
		sb_quoted(&c->out, json_string_value(v));
		return 0;
	case JSON_INTEGER:
		(void)snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		sb_str(&c->out, num);
		return 0;
	case JSON_REAL:
		(void)snprintf(num, sizeof(num), "%.6e", json_real_value(v));
		sb_str(&c->out, num);
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		sb_str(&c->out, json_is_true(v) ? "true" : "false");
		return 0;
	case JSON_ARRAY:
		return conv_array(c, v, where, depth);
	case JSON_OBJECT:
		sb_str(&c->out, "{ ");
		if (conv_members(c, v, where, depth) < 0)
			return -EINVAL;
		sb_str(&c->out, "}");
		return 0;
	default:
		return conv_fail(c, MANIFEST_MALFORMED, _("%s holds null, which no schedule "
		    "setting can be"), where);
	}
}

/* Records the bulletin an item plays (once per sha256). */
static int
conv_bulletin(struct conv *c, const char *sha, json_int_t size, double duration,
    const char *file, const char *title, const char *where)
{
	struct manifest *m = c->m;
	struct manifest_bulletin *b = NULL, *nb;
	size_t i;

	for (i = 0; i < m->n_bulletins && b == NULL; i++)
		if (strcmp(m->bulletins[i].sha256, sha) == 0)
			b = &m->bulletins[i];
	if (b != NULL) {
		if (b->size != (uint64_t)size)
			return conv_fail(c, MANIFEST_MALFORMED, _("%s gives bulletin %.12s… another "
			    "size than an earlier item does"), where, sha);
		return 0;
	}
	if (m->n_bulletins == MANIFEST_MAX_BULLETINS ||
	    (uint64_t)size > MANIFEST_MAX_TOTAL - m->total_bytes)
		return conv_fail(c, MANIFEST_MALFORMED, _("it has more bulletins than a station "
		    "takes (%d bulletins, %llu bytes in all)"), MANIFEST_MAX_BULLETINS,
		    MANIFEST_MAX_TOTAL);
	if (m->n_bulletins == c->cap_bulletins) {
		c->cap_bulletins = c->cap_bulletins ? 2 * c->cap_bulletins : 8;
		nb = realloc(m->bulletins, c->cap_bulletins * sizeof(*nb));
		if (nb == NULL)
			return conv_fail(c, MANIFEST_NO_MEMORY, _("out of memory"));
		m->bulletins = nb;
	}
	b = &m->bulletins[m->n_bulletins];
	memset(b, 0, sizeof(*b));
	memcpy(b->sha256, sha, 65);
	b->size = (uint64_t)size;
	b->duration = duration;
	b->chunks = (size_t)((b->size + m->chunk_size - 1) / m->chunk_size);
	b->file = strdup(file != NULL ? file : sha);
	b->title = strdup(title != NULL ? title : b->file != NULL ? b->file : sha);
	m->n_bulletins++;
	m->total_bytes += b->size;
	if (b->file == NULL || b->title == NULL)
		return conv_fail(c, MANIFEST_NO_MEMORY, _("out of memory"));
	return 0;
}

/* An item: its sha256 becomes file = "<sha256>.opus"; size, duration, file are ours. */
static int
conv_item(struct conv *c, json_t *it, const char *where)
{
	json_t *sha = json_object_get(it, "sha256"), *size = json_object_get(it, "size");
	json_t *dur = json_object_get(it, "duration"), *file = json_object_get(it, "file");
	json_t *title = json_object_get(it, "title");
	const char *k;
	json_t *v;

	if (!json_is_string(sha) || !manifest_sha256_valid(json_string_value(sha)))
		return conv_fail(c, MANIFEST_MALFORMED, _("%s has no valid \"sha256\" (64 "
		    "lower-case hex digits)"), where);
	if (!json_is_integer(size) || json_integer_value(size) < 1 ||
	    (uint64_t)json_integer_value(size) > MANIFEST_MAX_BULLETIN)
		return conv_fail(c, MANIFEST_MALFORMED, _("%s has no \"size\" from 1 to %llu "
		    "bytes"), where, MANIFEST_MAX_BULLETIN);
	if ((dur != NULL && (!json_is_number(dur) || json_number_value(dur) < 0)) ||
	    (file != NULL && (!json_is_string(file) || !conf_text_clean(json_string_value(file)))))
		return conv_fail(c, MANIFEST_MALFORMED, _("%s has a \"duration\" that is not a "
		    "number of seconds or a \"file\" that is not text without control "
		    "characters"), where);
	if (conv_bulletin(c, json_string_value(sha), json_integer_value(size),
	    dur != NULL ? json_number_value(dur) : 0, json_string_value(file),
	    json_is_string(title) ? json_string_value(title) : NULL, where) < 0)
		return -EINVAL;
	sb_str(&c->out, "{ file = \"");
	sb_str(&c->out, json_string_value(sha));
	sb_str(&c->out, ".opus\"; ");
	json_object_foreach(it, k, v) {
		if (strcmp(k, "sha256") == 0 || strcmp(k, "size") == 0 ||
		    strcmp(k, "duration") == 0 || strcmp(k, "file") == 0)
			continue;
		if (!mf_name_valid(k))
			return conv_fail(c, MANIFEST_MALFORMED, _("%s has a member named \"%.40s\", "
			    "which no schedule setting is called"), where, k);
		sb_str(&c->out, k);
		sb_str(&c->out, " = ");
		if (conv_value(c, v, where, 4) < 0)
			return -EINVAL;
		sb_str(&c->out, "; ");
	}
	sb_str(&c->out, "}");
	return 0;
}

/* A slot's "items", or a relay's "fallback" (key): bulletins both. */
static int
conv_items(struct conv *c, json_t *items, size_t slot, const char *key)
{
	char where[64];
	size_t j;
	json_t *it;

	sb_str(&c->out, "( ");
	json_array_foreach(items, j, it) {
		(void)snprintf(where, sizeof(where), "slots[%zu].%s[%zu]", slot, key, j);
		if (j > 0)
			sb_str(&c->out, ", ");
		if ((json_is_object(it) ? conv_item(c, it, where) : conv_value(c, it, where, 4)) < 0)
			return -EINVAL;
	}
	sb_str(&c->out, " )");
	return 0;
}

static int
conv_slot(struct conv *c, json_t *slot, size_t i)
{
	char where[32];
	const char *k;
	json_t *v;

	(void)snprintf(where, sizeof(where), "slots[%zu]", i);
	if (!json_is_object(slot))
		return conv_value(c, slot, where, 2);
	sb_str(&c->out, "{ ");
	json_object_foreach(slot, k, v) {
		if (!mf_name_valid(k))
			return conv_fail(c, MANIFEST_MALFORMED, _("%s has a member named \"%.40s\", "
			    "which no schedule setting is called"), where, k);
		sb_str(&c->out, k);
		sb_str(&c->out, " = ");
		if ((strcmp(k, "items") == 0 || strcmp(k, "fallback") == 0) && json_is_array(v) &&
		    json_array_size(v) > 0) {
			if (conv_items(c, v, i, k) < 0)
				return -EINVAL;
		} else if (conv_value(c, v, where, 3) < 0)
			return -EINVAL;
		sb_str(&c->out, "; ");
	}
	sb_str(&c->out, "}");
	return 0;
}

/* The slots as a schedule file, one slot a line (line i + 2 is slot i). */
static int
conv_slots(struct conv *c, json_t *slots)
{
	size_t i;
	json_t *slot;

	sb_str(&c->out, "slots = (\n");
	json_array_foreach(slots, i, slot) {
		if (i > 0)
			sb_str(&c->out, ",\n");
		if (conv_slot(c, slot, i) < 0)
			return -EINVAL;
	}
	sb_str(&c->out, "\n);\n");
	if (c->out.oom)
		return conv_fail(c, MANIFEST_TOO_LARGE, _("its schedule is too large"));
	return 0;
}
int
manifest_slots_text(json_t *slots, struct manifest *m, char **text,
    enum manifest_code *code, char *why, size_t whylen)
{
	struct conv c = { .m = m, .why = why, .whylen = whylen };

	*text = NULL;
	if (conv_slots(&c, slots) < 0) {
		free(c.out.p);
		*code = c.code;
		return -EINVAL;
	}
	*text = c.out.p;
	return 0;
}
