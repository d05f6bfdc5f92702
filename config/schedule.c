/*
 * The schedule file: libconfig reads it, this file checks every slot (times
 * and dates for real, days, windows, bulletins) and builds the immutable
 * struct schedule. Problems are reported with the helpers of conf.h, the
 * way the station configuration reports them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/readfile.h"
#include "config/schedule.h"
#include "config/stream_url.h"

#define SLOT_EXAMPLE	"{ title = \"Bản tin sáng\"; at = \"06:00\"; " \
			"items = ( { file = \"ban-tin.opus\"; } ); }"
#define ITEMS_EXAMPLE	"items = ( { file = \"ban-tin.opus\"; } );"
#define DAYS_EXAMPLE	"[ \"mon\", \"wed\", \"fri\" ]"
#define TAGS_EXAMPLE	"tags = [ \"giam-ngheo\", \"du-an-6\" ];"
#define RELAY_EXAMPLE	"relay = \"http://radio.tinh.example:8000/kenh1\"; duration = \"30m\";"
#define URL_EXAMPLE	"relay = \"http://radio.tinh.example:8000/kenh1\";"
#define FALLBACK_EXAMPLE "fallback = ( { file = \"nhạc nền.opus\"; } );"

struct parse {
	struct conf_ctx	 ctx;
	const char	*basedir;
	int		 check_files;
	int		 oom;
};

static const char *const root_keys[] = { "slots", NULL };
static const char *const slot_keys[] = {
	"title", "at", "days", "from", "until", "grace", "class", "tags", "volume",
	"items", "relay", "duration", "fallback", NULL
};
static const char *const item_keys[] = { "file", "title", "tags", NULL };
static const char *const day_names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

/* Records that memory ran out, once. */
static void
out_of_memory(struct parse *p)
{
	if (p->oom)
		return;
	p->oom = 1;
	p->ctx.n_errors++;
	if (p->ctx.errs != NULL)
		errlist_add(p->ctx.errs, _("%s: out of memory while reading the schedule"),
		    p->ctx.name);
}

static char *
sdup(struct parse *p, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		out_of_memory(p);
	return d;
}

/* With check_files: the bulletin must be a readable regular file. */
static void
check_file(struct parse *p, const config_setting_t *s, const char *abs)
{
	char dir[PATH_MAX], q[128];
	const char *slash = strrchr(abs, '/');
	int fd, err;

	conf_quote(slash + 1, q, sizeof(q));
	(void)snprintf(dir, sizeof(dir), "%.*s", slash == abs ? 1 : (int)(slash - abs), abs);
	if ((fd = readfile_open(abs)) >= 0) {
		close(fd);
		return;
	}
	err = -fd;
	if (err == EINVAL || err == EISDIR)
		conf_err(&p->ctx, s, NULL, _("\"%s\" in %s is not a regular file; name an Opus "
		    "bulletin file"), q, dir);
	else if (err == ENOENT || err == ENOTDIR)
		conf_err(&p->ctx, s, NULL, _("\"%s\" was not found in %s; copy the bulletin there "
		    "or correct the name"), q, dir);
	else if (err == EACCES)
		conf_err(&p->ctx, s, NULL, _("\"%s\" in %s cannot be read: %s; let loaxa read it "
		    "(e.g. chmod a+r)"), q, dir, strerror(err));
	else
		conf_err(&p->ctx, s, NULL, _("\"%s\" in %s cannot be opened: %s"), q, dir,
		    strerror(err));
}

/* The title an item gets when it has none: "a/giam-ngheo.opus" is "giam-ngheo". */
static char *
default_title(struct parse *p, const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;
	char *t;

	base = base != NULL ? base + 1 : file;
	n = strlen(base);
	if (n > 5 && strcasecmp(base + n - 5, ".opus") == 0)
		n -= 5;
	if ((t = sdup(p, base)) != NULL)
		t[n] = '\0';
	return t;
}

/* An optional list of tags (tags.h says what a tag may be) into *t. */
static void
parse_tags(struct parse *p, const config_setting_t *g, struct tags *t)
{
	const config_setting_t *s = config_setting_get_member(g, "tags"), *e;
	char why[256], q[128];
	int type, i, rc;

	if (s == NULL)
		return;
	type = config_setting_type(s);
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
		conf_err(&p->ctx, s, NULL, _("must be a list of tags in double quotes, e.g. %s"),
		    TAGS_EXAMPLE);
		return;
	}
	for (i = 0; (e = config_setting_get_elem(s, (unsigned)i)) != NULL; i++) {
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err(&p->ctx, e, NULL, _("must be a tag in double quotes, e.g. %s"),
			    TAGS_EXAMPLE);
			continue;
		}
		rc = tags_add(t, config_setting_get_string(e), why, sizeof(why));
		conf_quote(config_setting_get_string(e), q, sizeof(q));
		if (rc == -ENOMEM)
			out_of_memory(p);
		else if (rc < 0)
			conf_err(&p->ctx, e, NULL, "\"%s\": %s", q, why);
	}
}

/* An item's tags: its slot's first, then its own. */
static void
parse_item_tags(struct parse *p, const config_setting_t *g, const struct sched_slot *sl,
    struct sched_item *it)
{
	struct tags own = { NULL, 0 };
	char why[256];
	int rc;

	parse_tags(p, g, &own);
	if (tags_copy(&it->tags, &sl->tags) < 0)
		out_of_memory(p);
	else if ((rc = tags_add_all(&it->tags, &own, why, sizeof(why))) == -ENOMEM)
		out_of_memory(p);
	else if (rc < 0)
		conf_err(&p->ctx, config_setting_get_member(g, "tags"), NULL, _("with its slot's "
		    "tags, %s; give the slot or this bulletin fewer tags"), why);
	tags_clear(&own);
}

static void
parse_item(struct parse *p, const config_setting_t *g, const struct sched_slot *sl,
    struct sched_item *it)
{
	char abs[PATH_MAX];
	const char *file = NULL, *title = NULL;
	int rc;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_err(&p->ctx, g, NULL, _("must be a bulletin in braces, e.g. "
		    "{ file = \"ban-tin.opus\"; title = \"Bản tin\"; }"));
		return;
	}
	conf_check_keys(&p->ctx, g, item_keys);
	parse_item_tags(p, g, sl, it);
	if (conf_text(&p->ctx, g, "title", CONF_TEXT_MAX, 0, "title = \"Bản tin\";", &title) > 0)
		it->title = sdup(p, title);
	if (conf_text(&p->ctx, g, "file", PATH_MAX, 1, "file = \"ban-tin.opus\";", &file) <= 0)
		return;
	rc = conf_path_resolve(p->basedir, file, abs, sizeof(abs));
	if (rc < 0) {
		conf_err(&p->ctx, config_setting_get_member(g, "file"), NULL,
		    _("cannot make the path absolute: %s; write it starting with '/'"), strerror(-rc));
		return;
	}
	if (p->check_files)
		check_file(p, config_setting_get_member(g, "file"), abs);
	it->file = sdup(p, abs);
	if (title == NULL)
		it->title = default_title(p, file);
}

/* A list in parentheses, or an empty "[]" (which libconfig reads as an array). */
static int
is_list(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_LIST ||
	    (config_setting_type(s) == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0);
}

/*
 * A list of bulletins, min..SCHEDULE_MAX_ITEMS of them: a slot's items
 * (min 1) or a relay's fallback (min 0), into *list and *n.
 */
static void
parse_bulletins(struct parse *p, const config_setting_t *s, const struct sched_slot *sl,
    int min, struct sched_item **list, size_t *n_out)
{
	const char *example = min > 0 ? ITEMS_EXAMPLE : FALLBACK_EXAMPLE;
	int n = config_setting_length(s), i;

	if (!is_list(s)) {
		conf_err(&p->ctx, s, NULL, _("must be a list of bulletins in parentheses, e.g. %s"),
		    example);
		return;
	}
	if (n < min || n > SCHEDULE_MAX_ITEMS) {
		conf_err(&p->ctx, s, NULL, min > 0 ? _("has %d bulletins; a slot plays 1 to %d, "
		    "e.g. %s") : _("has %d bulletins; a relay falls back on at most %d, e.g. %s"),
		    n, SCHEDULE_MAX_ITEMS, example);
		return;
	}
	if (n == 0)
		return;
	if ((*list = calloc((size_t)n, sizeof(**list))) == NULL) {
		out_of_memory(p);
		return;
	}
	*n_out = (size_t)n;
	for (i = 0; i < n; i++)
		parse_item(p, config_setting_get_elem(s, (unsigned)i), sl, &(*list)[i]);
}

/* A slot of bulletins: items, and none of a relay's settings. */
static void
parse_items(struct parse *p, const config_setting_t *slot, struct sched_slot *sl)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(slot, "duration")) != NULL)
		conf_err(&p->ctx, s, NULL, _("only a slot that relays a stream lasts a set time (a "
		    "slot of bulletins lasts as long as they do); remove it, or relay a stream, "
		    "e.g. %s"), RELAY_EXAMPLE);
	if ((s = config_setting_get_member(slot, "fallback")) != NULL)
		conf_err(&p->ctx, s, NULL, _("only a slot that relays a stream has fallback "
		    "bulletins (they play while the stream is away); move them to items, or relay "
		    "a stream, e.g. %s"), RELAY_EXAMPLE);
	if ((s = config_setting_get_member(slot, "items")) == NULL) {
		conf_err(&p->ctx, slot, "items", _("this required list is missing; add the "
		    "bulletins to play, e.g. %s, or relay a stream, e.g. %s"), ITEMS_EXAMPLE,
		    RELAY_EXAMPLE);
		return;
	}
	parse_bulletins(p, s, sl, 1, &sl->items, &sl->n_items);
}

/*
 * How long a relay lasts: a length with its units ("30m", "1h30m", see
 * timeparse_duration) or whole seconds (duration = 1800;, as grace is
 * written, and as a district manifest carries it).
 */
static void
parse_duration(struct parse *p, const config_setting_t *slot, struct sched_slot *sl)
{
	const config_setting_t *s = config_setting_get_member(slot, "duration");
	long long secs;
	char why[256], q[128];

	if (s == NULL) {
		conf_err(&p->ctx, slot, "duration", _("this required setting is missing: say how "
		    "long to relay the stream, e.g. duration = \"30m\"; or \"1h30m\""));
		return;
	}
	if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64) {
		if (conf_int(&p->ctx, slot, "duration", 1, SCHEDULE_MAX_RELAY, 1, &secs) > 0)
			sl->duration = (int)secs;
		return;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_err(&p->ctx, s, NULL, _("must be a length such as \"30m\" or \"1h30m\", or "
		    "whole seconds such as 1800"));
		return;
	}
	conf_quote(config_setting_get_string(s), q, sizeof(q));
	if (timeparse_duration(config_setting_get_string(s), &secs, why, sizeof(why)) < 0)
		conf_err(&p->ctx, s, NULL, _("\"%s\" is not a length: %s"), q, why);
	else if (secs < 1 || secs > SCHEDULE_MAX_RELAY)
		conf_err(&p->ctx, s, NULL, _("\"%s\" is not from 1 second to %d hours, what a "
		    "relay may last; split a longer one into slots"), q, SCHEDULE_MAX_RELAY / 3600);
	else
		sl->duration = (int)secs;
}

/* A relay (tiếp sóng): the stream's address, how long, the fallback bulletins; no items. */
static void
parse_relay(struct parse *p, const config_setting_t *slot, struct sched_slot *sl)
{
	const config_setting_t *s;
	const char *url;
	char why[256], pub[STREAM_URL_MAX + 1], q[128];

	if ((s = config_setting_get_member(slot, "items")) != NULL)
		conf_err(&p->ctx, s, NULL, _("a slot plays bulletins or relays a stream, not both; "
		    "put the bulletins in a slot of their own, or make them the relay's fallback, "
		    "which plays while the stream is away: %s"), FALLBACK_EXAMPLE);
	if (conf_text(&p->ctx, slot, "relay", STREAM_URL_MAX, 1, URL_EXAMPLE, &url) > 0) {
		if (stream_url_check(url, why, sizeof(why)) == 0)
			sl->relay = sdup(p, url);
		else {
			/* The reason may end up in a district report: no credentials in it. */
			stream_url_public(url, pub, sizeof(pub));
			conf_quote(pub, q, sizeof(q));
			conf_err(&p->ctx, config_setting_get_member(slot, "relay"), NULL,
			    _("\"%s\" cannot be relayed: %s"), q, why);
		}
	}
	parse_duration(p, slot, sl);
	if ((s = config_setting_get_member(slot, "fallback")) != NULL)
		parse_bulletins(p, s, sl, 0, &sl->fallback, &sl->n_fallback);
}

static int
day_index(const char *v)
{
	int d;

	for (d = 0; d < 7; d++)
		if (strcasecmp(v, day_names[d]) == 0)
			return d;
	return -1;
}

/* "daily" or a list of distinct day names. Returns the SCHED_DAY bits, or 0. */
static unsigned
parse_days(struct parse *p, const config_setting_t *s)
{
	const config_setting_t *e;
	unsigned days = 0;
	char q[128];
	int type = config_setting_type(s), i, d;

	if (type == CONFIG_TYPE_STRING && strcmp(config_setting_get_string(s), "daily") == 0)
		return SCHED_DAILY;
	if (type == CONFIG_TYPE_STRING) {
		conf_quote(config_setting_get_string(s), q, sizeof(q));
		conf_err(&p->ctx, s, NULL, _("\"%s\" is not a set of days; write days = \"daily\" "
		    "or a list such as %s"), q, DAYS_EXAMPLE);
		return 0;
	}
	if ((type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) || config_setting_length(s) == 0) {
		conf_err(&p->ctx, s, NULL, _("must be \"daily\" or a list of days such as %s"),
		    DAYS_EXAMPLE);
		return 0;
	}
	for (i = 0; (e = config_setting_get_elem(s, (unsigned)i)) != NULL; i++) {
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err(&p->ctx, e, NULL, _("must be a day in double quotes: "
			    "mon, tue, wed, thu, fri, sat or sun"));
			return 0;
		}
		conf_quote(config_setting_get_string(e), q, sizeof(q));
		if ((d = day_index(config_setting_get_string(e))) < 0) {
			conf_err(&p->ctx, e, NULL, _("\"%s\" is not a day; use mon, tue, wed, thu, "
			    "fri, sat or sun"), q);
			return 0;
		}
		if (days & SCHED_DAY(d)) {
			conf_err(&p->ctx, e, NULL, _("\"%s\" is listed twice; list each day once"), q);
			return 0;
		}
		days |= SCHED_DAY(d);
	}
	return days;
}

/* An optional "YYYY-MM-DD" member. 1 when set, 0 when absent, -EINVAL when wrong. */
static int
parse_date(struct parse *p, const config_setting_t *slot, const char *key, struct sched_date *d)
{
	const config_setting_t *s = config_setting_get_member(slot, key);
	char why[256], q[128], ex[64];

	(void)snprintf(ex, sizeof(ex), "%s = \"2026-01-31\";", key);
	if (s == NULL)
		return 0;
	if (conf_is_string(&p->ctx, s, ex) < 0)
		return -EINVAL;
	if (timeparse_date_why(config_setting_get_string(s), d, why, sizeof(why)) < 0) {
		conf_quote(config_setting_get_string(s), q, sizeof(q));
		*d = (struct sched_date){ 0, 0, 0 };
		return conf_err(&p->ctx, s, NULL, _("\"%s\" is not a valid date: %s"), q, why);
	}
	return 1;
}

static int
date_cmp(const struct sched_date *a, const struct sched_date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	return a->d < b->d ? -1 : a->d > b->d;
}

/* days, from and until: a one-off slot has none of them. */
static void
parse_recurrence(struct parse *p, const config_setting_t *g, struct sched_slot *sl, int at_ok)
{
	static const char *const keys[] = { "days", "from", "until" };
	const config_setting_t *s;
	int from, until;
	size_t i;

	sl->days = SCHED_DAILY;
	if (at_ok && sl->once) {
		for (i = 0; i < 3; i++)
			if ((s = config_setting_get_member(g, keys[i])) != NULL)
				conf_err(&p->ctx, s, NULL, _("a one-off slot (at a date and time) plays "
				    "only once; remove %s, or make at a time of day (e.g. \"%02d:%02d\") "
				    "to repeat it"), keys[i], sl->hh, sl->mm);
		return;
	}
	if ((s = config_setting_get_member(g, "days")) != NULL)
		sl->days = parse_days(p, s);
	from = parse_date(p, g, "from", &sl->from);
	until = parse_date(p, g, "until", &sl->until);
	if (from > 0 && until > 0 && date_cmp(&sl->until, &sl->from) < 0)
		conf_err(&p->ctx, config_setting_get_member(g, "until"), NULL,
		    _("%04d-%02d-%02d is before from = %04d-%02d-%02d, so the slot would never play; "
		    "correct one of the dates"), sl->until.y, sl->until.m, sl->until.d,
		    sl->from.y, sl->from.m, sl->from.d);
}

static int
parse_at(struct parse *p, const config_setting_t *g, struct sched_slot *sl)
{
	struct timeparse_at at;
	const char *v;
	char why[256], q[128];

	if (conf_text(&p->ctx, g, "at", 64, 1, "at = \"06:00\";", &v) <= 0)
		return 0;
	if (timeparse_at(v, &at, why, sizeof(why)) < 0) {
		conf_quote(v, q, sizeof(q));
		conf_err(&p->ctx, config_setting_get_member(g, "at"), NULL,
		    _("\"%s\" is not a valid time: %s"), q, why);
		return 0;
	}
	sl->once = at.once;
	sl->date = at.date;
	sl->hh = at.hh;
	sl->mm = at.mm;
	sl->ss = at.ss;
	return 1;
}

static const char *const class_names[] = { "normal", "priority", "emergency" };

const char *
sched_class_name(enum sched_class c)
{
	return (unsigned)c < 3 ? class_names[c] : "normal";
}

int
sched_class_parse(const char *s, enum sched_class *out)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (strcmp(s, class_names[i]) == 0) {
			*out = (enum sched_class)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void
parse_class(struct parse *p, const config_setting_t *g, struct sched_slot *sl)
{
	const char *v;
	char q[80];

	sl->cls = SCHED_NORMAL;
	if (conf_text(&p->ctx, g, "class", 32, 0, "class = \"priority\";", &v) <= 0)
		return;
	if (sched_class_parse(v, &sl->cls) < 0) {
		conf_quote(v, q, sizeof(q));
		conf_err(&p->ctx, config_setting_get_member(g, "class"), NULL,
		    _("\"%s\" is not a class; use \"normal\", \"priority\" or \"emergency\""), q);
	}
}

static void
parse_slot(struct parse *p, const config_setting_t *g, struct sched_slot *sl)
{
	const char *title;
	long long grace = -1;

	sl->grace = -1;
	sl->line = config_setting_source_line(g);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_err(&p->ctx, g, NULL, _("must be a slot in braces, e.g. %s"), SLOT_EXAMPLE);
		return;
	}
	conf_check_keys(&p->ctx, g, slot_keys);
	if (conf_text(&p->ctx, g, "title", CONF_TEXT_MAX, 1, "title = \"Bản tin sáng\";",
	    &title) > 0)
		sl->title = sdup(p, title);
	parse_recurrence(p, g, sl, parse_at(p, g, sl));
	if (conf_int(&p->ctx, g, "grace", 0, 86400, 0, &grace) > 0)
		sl->grace = (int)grace;
	parse_class(p, g, sl);
	if (conf_volume(&p->ctx, g, "volume", &sl->volume) > 0)
		sl->has_volume = 1;
	parse_tags(p, g, &sl->tags);
	if (config_setting_get_member(g, "relay") != NULL)
		parse_relay(p, g, sl);
	else
		parse_items(p, g, sl);
}

static void
parse_root(struct parse *p, const config_setting_t *root, struct schedule *sch)
{
	const config_setting_t *s;
	int n, i;

	conf_check_keys(&p->ctx, root, root_keys);
	if ((s = config_setting_get_member(root, "slots")) == NULL) {
		conf_err(&p->ctx, root, "slots", _("this required list is missing; add it, "
		    "e.g. slots = ( %s );"), SLOT_EXAMPLE);
		return;
	}
	n = config_setting_length(s);
	if (!is_list(s)) {
		conf_err(&p->ctx, s, NULL, _("must be a list of slots in parentheses, "
		    "e.g. slots = ( %s );"), SLOT_EXAMPLE);
		return;
	}
	if (n > SCHEDULE_MAX_SLOTS) {
		conf_err(&p->ctx, s, NULL, _("has %d slots; a schedule may have at most %d"),
		    n, SCHEDULE_MAX_SLOTS);
		return;
	}
	if (n == 0)
		return;
	if ((sch->slots = calloc((size_t)n, sizeof(*sch->slots))) == NULL) {
		out_of_memory(p);
		return;
	}
	sch->n_slots = (size_t)n;
	for (i = 0; i < n; i++)
		parse_slot(p, config_setting_get_elem(s, (unsigned)i), &sch->slots[i]);
}

struct schedule *
schedule_parse_string(const char *text, const char *name, const char *basedir,
    int check_files, struct errlist *errs)
{
	struct parse p = { .ctx = { .name = name, .errs = errs }, .basedir = basedir,
	    .check_files = check_files };
	struct schedule *sch;
	config_t cf;

	if ((sch = calloc(1, sizeof(*sch))) == NULL || (sch->path = sdup(&p, name)) == NULL) {
		free(sch);
		if (errs != NULL && !p.oom)
			errlist_add(errs, _("%s: out of memory while reading the schedule"), name);
		return NULL;
	}
	config_init(&cf);
	if (conf_read(&p.ctx, &cf, text, basedir) == 0)
		parse_root(&p, config_root_setting(&cf), sch);
	config_destroy(&cf);
	if (p.ctx.n_errors > 0) {
		schedule_free(sch);
		return NULL;
	}
	return sch;
}

struct schedule *
schedule_load(const char *path, int check_files, struct errlist *errs)
{
	struct schedule *sch;
	char dir[PATH_MAX], *text = NULL;
	int rc;

	rc = readfile_text(path, SCHEDULE_MAX_BYTES, &text);
	if (rc == 0)
		rc = conf_basedir(path, dir, sizeof(dir));
	if (rc < 0) {
		if (errs != NULL && rc == -EFBIG)
			errlist_add(errs, _("%s: cannot read the schedule: it is larger than %d bytes; "
			    "split it or remove old slots"), path, SCHEDULE_MAX_BYTES);
		else if (errs != NULL && rc == -EILSEQ)
			errlist_add(errs, _("%s: cannot read the schedule: it contains a NUL byte; "
			    "is it really a text file?"), path);
		else if (errs != NULL)
			errlist_add(errs, _("%s: cannot read the schedule: %s; check the path and "
			    "that loaxa may read it"), path, readfile_strerror(rc));
		free(text);
		return NULL;
	}
	sch = schedule_parse_string(text, path, dir, check_files, errs);
	free(text);
	return sch;
}

size_t
sched_slot_bulletins(const struct sched_slot *sl)
{
	return sl->n_items + sl->n_fallback;
}

const struct sched_item *
sched_slot_bulletin(const struct sched_slot *sl, size_t j)
{
	return j < sl->n_items ? &sl->items[j] : &sl->fallback[j - sl->n_items];
}

size_t
schedule_bulletins(const struct schedule *sch)
{
	size_t i, n = 0;

	for (i = 0; i < sch->n_slots; i++)
		n += sched_slot_bulletins(&sch->slots[i]);
	return n;
}

static void
items_free(struct sched_item *items, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++) {
		free(items[j].file);
		free(items[j].title);
		free(items[j].name);
		tags_clear(&items[j].tags);
	}
	free(items);
}

void
schedule_free(struct schedule *sch)
{
	size_t i;

	if (sch == NULL)
		return;
	for (i = 0; i < sch->n_slots; i++) {
		items_free(sch->slots[i].items, sch->slots[i].n_items);
		items_free(sch->slots[i].fallback, sch->slots[i].n_fallback);
		free(sch->slots[i].relay);
		free(sch->slots[i].title);
		tags_clear(&sch->slots[i].tags);
	}
	free(sch->slots);
	free(sch->path);
	free(sch);
}
