/*
 * The station configuration's entry points (conf_load, conf_parse_string),
 * and the reading that the schedule and the key files share with it: a
 * file's text, its directory, paths made absolute against it, and
 * libconfig's syntax check. The settings themselves are in conf_table.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/conf.h"
#include "config/conf_int.h"
#include "config/i18n.h"
#include "config/readfile.h"

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
conf_read(struct conf_ctx *ctx, config_t *cf, const char *text, const char *basedir)
{
	const char *file, *what;

	if (basedir != NULL)		/* libconfig 1.5 strdup()s it unchecked */
		config_set_include_dir(cf, basedir);
	if (conf_check_includes(ctx, text, basedir) < 0)
		return -EINVAL;
	if (config_read_string(cf, text) == CONFIG_TRUE) {
		conf_mark_too_large(ctx, cf, text);
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
		conf_parse_root(&ctx, config_root_setting(&cf), basedir, c);
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

	rc = readfile_text(path, CONF_MAX_BYTES, &text);
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
			    "and that loaxa may read it"), path, readfile_strerror(rc));
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
