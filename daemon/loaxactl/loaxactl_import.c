/*
 * 'loaxactl import RECORDING [OUT.opus] [--title TEXT]': prepares a bulletin
 * the way queue, publish and alert do (daemon/loaxactl/import.h), writes it
 * to OUT (by default beside the recording, with .opus for its extension)
 * and says what it did. For a bulletin that goes into a local schedule, or
 * to hear it before it airs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "daemon/core/file.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/import.h"
#include "daemon/loaxactl/loaxactl_import.h"

struct import_args {
	const char *in, *out, *title;
};

static int
import_parse(int argc, char **argv, struct import_args *a)
{
	int i, r;

	for (i = 1; i < argc; i++) {
		if ((r = ctl_args_take(argc, argv, &i, "--title", &a->title)) < 0)
			return ctl_out_usage(NULL, _("%s needs a value"), argv[i]);
		if (r > 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return ctl_out_usage(NULL, _("import does not know the option %s"), argv[i]);
		if (a->in == NULL)
			a->in = argv[i];
		else if (a->out == NULL)
			a->out = argv[i];
		else
			return ctl_out_usage(NULL, _("import takes a recording and, if you like, the "
			    "name of the bulletin to write; \"%s\" is one too many"), argv[i]);
	}
	if (a->in == NULL)
		return ctl_out_usage(NULL, "%s", _("import needs the recording's file"));
	if (a->title != NULL && (a->title[0] == '\0' || !conf_text_clean(a->title)))
		return ctl_out_usage(NULL, "%s", _("the title must be non-empty UTF-8 text without "
		    "control characters (no new lines, tabs or escape codes)"));
	return 0;
}

/* OUT, or the recording's path with .opus for its extension. */
static int
import_out_path(const struct import_args *a, const struct import_result *r, char *out,
    size_t len)
{
	const char *slash = strrchr(a->in, '/');
	int dir = slash != NULL ? (int)(slash - a->in + 1) : 0;

	if (a->out != NULL)
		return snprintf(out, len, "%s", a->out) < (int)len ? 0 : -ENAMETOOLONG;
	if (snprintf(out, len, "%.*s%s", dir, a->in, r->name) >= (int)len)
		return -ENAMETOOLONG;
	return strcmp(out, a->in) == 0 ? -EEXIST : 0;
}

/* The bulletin written to path through a temporary file, so a power cut leaves no half. */
static int
import_write(const struct import_result *r, const char *path)
{
	char tmp[4096], hex[65];
	uint64_t total;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return -errno;
	if (lseek(r->fd, 0, SEEK_SET) < 0)
		rc = -errno;
	else if ((rc = file_copy_sha256(r->fd, fd, UINT64_MAX, &total, hex)) == 0)
		rc = file_commit(fd, tmp, path);
	close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int
loaxactl_import(const char *conf, int argc, char **argv)
{
	struct import_args a = { 0 };
	struct import_result r;
	struct cfg_import set;
	char out[4096], why[512];
	int rc;

	if ((rc = import_parse(argc, argv, &a)) != 0 || (rc = ctl_args_import(conf, &set)) != 0)
		return rc;
	if (import_bulletin(a.in, &set, a.title, &r, why, sizeof(why)) < 0)
		return ctl_out_fail(_("cannot prepare \"%s\": %s"), a.in, why);
	if ((rc = import_out_path(&a, &r, out, sizeof(out))) < 0) {
		import_close(&r);
		if (rc == -EEXIST)
			return ctl_out_fail(_("\"%s\" is already an Opus bulletin of that name; give "
			    "the name to write as well, e.g. 'loaxactl import \"%s\" ready.opus'"),
			    a.in, a.in);
		return ctl_out_fail(_("the name \"%s\" is too long"), a.in);
	}
	if ((rc = import_write(&r, out)) < 0) {
		import_close(&r);
		return ctl_out_fail(_("cannot write \"%s\": %s"), out, strerror(-rc));
	}
	printf(_("Prepared \"%s\" as \"%s\":\n"), a.in, out);
	import_print(stdout, &r, "  ");
	import_close(&r);
	return 0;
}
