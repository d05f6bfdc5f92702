/*
 * The queue of one station: 'loaxactl queue FILE' makes the recording a
 * bulletin here, on the operator's side (import.h: any recording becomes
 * Ogg Opus at the loudness wanted, decoded through once), and passes the
 * descriptor of what was prepared to the daemon, so that what was checked
 * is what the station receives; 'move' and 'cancel' change what is queued.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/tags.h"
#include "config/timeparse.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/ctl_request.h"
#include "daemon/loaxactl/import.h"
#include "daemon/loaxactl/loaxactl_queue.h"
#include "daemon/proto/tags_json.h"

#define TIMEOUT_MS	15000
#define QUEUE_TIMEOUT_MS 120000	/* the daemon copies the bulletin before it answers */

struct queue_args {
	const char *file, *at, *title, *cls;
	struct tags tags;
};

/* --tag TAG (one tag, commas and all) or --tags A,B (several): checked as the station will. */
static int
queue_tag(struct queue_args *qa, const char *opt, const char *val)
{
	char why[256], q[128], *list, *p, *save = NULL;
	int rc = 0;

	if (strcmp(opt, "--tag") == 0 || val[0] == '\0') {
		rc = tags_add(&qa->tags, val, why, sizeof(why));
	} else if ((list = strdup(val)) != NULL) {
		for (p = strtok_r(list, ",", &save); p != NULL && rc == 0;
		    p = strtok_r(NULL, ",", &save))
			rc = tags_add(&qa->tags, p, why, sizeof(why));
		free(list);
	} else
		rc = -ENOMEM;
	if (rc == 0)
		return 0;
	conf_quote(val, q, sizeof(q));
	return ctl_out_usage(NULL, _("%s \"%s\": %s"), opt, q, rc == -ENOMEM ?
	    _("out of memory") : why);
}

/* --tag or --tags at argv[*i]: 1 when taken, 0 when neither, -1 without a value, or EXIT_USAGE. */
static int
queue_take_tag(int argc, char **argv, int *i, struct queue_args *qa)
{
	static const char *const opts[] = { "--tag", "--tags" };
	const char *val;
	size_t k;
	int r;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		if ((r = ctl_args_take(argc, argv, i, opts[k], &val)) < 0)
			return r;
		if (r > 0)
			return queue_tag(qa, opts[k], val) == 0 ? 1 : EXIT_USAGE;
	}
	return 0;
}

static int
queue_parse(int argc, char **argv, struct queue_args *qa)
{
	struct timeparse_at at;
	char why[256];
	int i, r;

	for (i = 1; i < argc; i++) {
		if ((r = queue_take_tag(argc, argv, &i, qa)) == EXIT_USAGE)
			return r;
		if (r == 0 && (r = ctl_args_take(argc, argv, &i, "--at", &qa->at)) == 0 &&
		    (r = ctl_args_take(argc, argv, &i, "--title", &qa->title)) == 0)
			r = ctl_args_take(argc, argv, &i, "--class", &qa->cls);
		if (r < 0)
			return ctl_out_usage(NULL, _("%s needs a value"), argv[i]);
		if (r > 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return ctl_out_usage(NULL, _("queue does not know the option %s"), argv[i]);
		if (qa->file != NULL)
			return ctl_out_usage(NULL, _("queue takes one file; \"%s\" is one too many "
			    "(put quotes around a name or a time with spaces, e.g. --at \"2026-11-22 "
			    "14:30\")"), argv[i]);
		qa->file = argv[i];
	}
	if (qa->file == NULL)
		return ctl_out_usage(NULL, "%s", _("queue needs the bulletin's file"));
	if (qa->cls != NULL && strcmp(qa->cls, "normal") != 0 && strcmp(qa->cls, "priority") != 0 &&
	    strcmp(qa->cls, "emergency") != 0)
		return ctl_out_usage(NULL,
		    _("the class \"%s\" is not known; use normal, priority or "
		    "emergency"), qa->cls);
	if (qa->title != NULL && (qa->title[0] == '\0' || !conf_text_clean(qa->title)))
		return ctl_out_usage(NULL, "%s", _("the title must be non-empty UTF-8 text without "
		    "control characters (no new lines, tabs or escape codes)"));
	if (qa->at != NULL && timeparse_at(qa->at, &at, why, sizeof(why)) < 0) {
		fprintf(stderr, _("%s: cannot understand the time \"%s\": %s; write it as "
		    "HH:MM, HH:MM:SS or YYYY-MM-DD HH:MM[:SS]\n"), CTL_OUT_PROG, qa->at, why);
		return EXIT_USAGE;
	}
	return 0;
}

static void
queue_print(const json_t *reply, const struct import_result *r)
{
	const json_t *id = json_object_get(reply, "id");
	const char *title = ctl_out_jstr(reply, "title"), *at = ctl_out_jstr(reply, "at");
	char date[16], clock[16];

	printf("%lld\n", (long long)json_integer_value(id));
	if (title == NULL)
		title = "?";
	if (at == NULL)
		printf(_("Queued \"%s\" (id %lld); it will play as soon as the station is "
		    "free.\n"), title, (long long)json_integer_value(id));
	else if (ctl_out_iso_split(at, date, sizeof(date), clock, sizeof(clock)) == 0)
		printf(_("Queued \"%s\" (id %lld); it will play at %s on %s.\n"), title,
		    (long long)json_integer_value(id), clock, date);
	else
		printf(_("Queued \"%s\" (id %lld); it will play at %s.\n"), title,
		    (long long)json_integer_value(id), at);
	ctl_out_tags(stdout, reply, _("Tags: "));
	if (json_array_size(json_object_get(reply, "tags")) > 0)
		printf("\n");
	import_print(stdout, r, "");
}

/* The request for the prepared bulletin; NULL when memory is short. */
static json_t *
queue_request(const struct queue_args *qa, const struct import_result *r)
{
	json_t *req = json_pack("{s:s, s:s}", "cmd", "queue", "name", r->name);

	if (req == NULL)
		return NULL;
	if (qa->title != NULL || r->title[0] != '\0')
		json_object_set_new(req, "title", json_string(qa->title != NULL ? qa->title :
		    r->title));
	if (qa->at != NULL)
		json_object_set_new(req, "at", json_string(qa->at));
	if (qa->cls != NULL)
		json_object_set_new(req, "class", json_string(qa->cls));
	if (qa->tags.n > 0 && json_object_set_new(req, "tags", tags_json_array(&qa->tags)) < 0) {
		json_decref(req);
		return NULL;
	}
	json_object_set_new(req, "duration", json_real(r->seconds));
	return req;
}

static int
queue_add(const char *conf, const char *sock, struct queue_args *qa)
{
	struct import_result r;
	struct cfg_import set;
	const char *name;
	json_t *reply;
	char why[512];
	int rc;

	name = strrchr(qa->file, '/') != NULL ? strrchr(qa->file, '/') + 1 : qa->file;
	if (!conf_text_clean(name)) {
		fprintf(stderr, _("%s: cannot queue \"%s\": its name is not valid UTF-8 "
		    "text, or holds a control character; rename the file and queue it again\n"),
		    CTL_OUT_PROG, qa->file);
		return EXIT_REFUSED;
	}
	if ((rc = ctl_args_import(conf, &set)) != 0)
		return rc;
	if (import_bulletin(qa->file, &set, qa->title, &r, why, sizeof(why)) < 0) {
		fprintf(stderr, _("%s: cannot queue \"%s\": %s.\n"), CTL_OUT_PROG, qa->file, why);
		return EXIT_REFUSED;
	}
	rc = ctl_request_send(sock, queue_request(qa, &r), r.fd, QUEUE_TIMEOUT_MS, &reply);
	if (rc == 0) {
		queue_print(reply, &r);
		json_decref(reply);
	}
	import_close(&r);
	return rc;
}

int
loaxactl_queue_add(const char *conf, const char *sock, int argc, char **argv)
{
	struct queue_args qa = { 0 };
	int rc;

	if ((rc = queue_parse(argc, argv, &qa)) == 0)
		rc = queue_add(conf, sock, &qa);
	tags_clear(&qa.tags);
	return rc;
}

/* --- move, cancel ------------------------------------------------------------ */

int
loaxactl_queue_move(const char *sock, int argc, char **argv)
{
	long long id, pos;
	char *e1, *e2;
	json_t *reply;
	int rc;

	if (argc != 3)
		return ctl_out_usage(NULL, "%s",
		    _("move needs an id and a position, e.g. 'loaxactl move 12 1'"));
	errno = 0;
	id = strtoll(argv[1], &e1, 10);
	pos = strtoll(argv[2], &e2, 10);
	if (*e1 != '\0' || *e2 != '\0' || errno != 0 || id <= 0 || pos <= 0 || argv[1][0] == '\0' ||
	    argv[2][0] == '\0')
		return ctl_out_usage(NULL, "%s",
		    _("move needs an id and a position, both whole numbers "
		    "from 1, e.g. 'loaxactl move 12 1'"));
	rc = ctl_request_send(sock, json_pack("{s:s, s:I, s:I}", "cmd", "move",
	    "id", (json_int_t)id, "position", (json_int_t)pos), -1, TIMEOUT_MS, &reply);
	if (rc != 0)
		return rc;
	printf(_("Item %lld is now number %lld in its class.\n"), id,
	    (long long)json_integer_value(json_object_get(reply, "position")));
	json_decref(reply);
	return 0;
}

int
loaxactl_queue_cancel(const char *sock, int argc, char **argv)
{
	json_t *reply;
	long long id;
	char *end;
	int rc;

	if (argc != 2)
		return ctl_out_usage(NULL, "%s",
		    _("cancel needs one id, as shown by 'loaxactl list'"));
	errno = 0;
	id = strtoll(argv[1], &end, 10);
	if (argv[1][0] < '0' || argv[1][0] > '9' || *end != '\0' || errno != 0 || id <= 0)
		return ctl_out_usage(NULL, _("\"%s\" is not an id; give the number shown by "
		    "'loaxactl list'"), argv[1]);
	rc = ctl_request_send(sock, json_pack("{s:s, s:I}", "cmd", "cancel", "id",
	    (json_int_t)id), -1, TIMEOUT_MS, &reply);
	if (rc != 0)
		return rc;
	printf(_("Cancelled item %lld.\n"), id);
	json_decref(reply);
	return 0;
}
