/* Running loaxa-decode (see decode_run.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "config/conf.h"
#include "daemon/core/file.h"
#include "daemon/core/helper_path.h"
#include "daemon/loaxactl/decode_run.h"
#include "daemon/proto/decode_wire.h"

extern char **environ;

static int
decode_spawn(struct decode_run *d, int fd, int pipe_w)
{
	char path[PATH_MAX], *argv[] = { "loaxa-decode", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int rc;

	helper_path("loaxa-decode", path, sizeof(path));
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pipe_w, STDOUT_FILENO);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&d->pid, path, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -rc;
}

/* Copies a checked string member of the first line. */
static void
line_text(const json_t *o, const char *key, char *out, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	out[0] = '\0';
	if (s != NULL && strlen(s) < len && conf_text_clean(s))
		snprintf(out, len, "%s", s);
}

/* Reads and checks the first line: 0, 1 when it ended first, or -EIO for garbage. */
static int
decode_first_line(struct decode_run *d)
{
	char line[DECODE_LINE_MAX];
	size_t have = 0;
	json_t *o;
	ssize_t n;

	/* Byte by byte: a few dozen reads, and no sample is taken by mistake. */
	while (have < sizeof(line) - 1) {
		if ((n = file_read(d->out, line + have, 1)) <= 0)
			return n < 0 ? -EIO : 1;	/* 1: it ended without a word */
		if (line[have++] == '\n')
			break;
	}
	line[have] = '\0';
	if (have == 0 || line[have - 1] != '\n' ||
	    (o = json_loads(line, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -EIO;
	line_text(o, "format", d->format, sizeof(d->format));
	line_text(o, "codec", d->codec, sizeof(d->codec));
	line_text(o, "title", d->title, sizeof(d->title));
	json_decref(o);
	return 0;
}

int
decode_run_start(struct decode_run *d, int fd)
{
	int p[2], rc;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	d->out = -1;
	if (lseek(fd, 0, SEEK_SET) < 0 || pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	rc = decode_spawn(d, fd, p[1]);
	close(p[1]);
	d->out = p[0];
	if (rc < 0)
		return rc;
	if ((rc = decode_first_line(d)) == 0)
		return 0;
	/* It said nothing usable: how it ended is the reason. */
	rc = decode_run_finish(d, rc == -EIO);
	return rc == DECODE_OK ? DECODE_DAMAGED : rc;
}

long
decode_run_read(struct decode_run *d, float *out, size_t max)
{
	unsigned char *b = (unsigned char *)out;
	size_t have = d->rest_len, i, n_samples;
	ssize_t n;

	memcpy(b, d->rest, have);
	while (have < sizeof(float)) {
		if ((n = file_read(d->out, b + have, max * sizeof(float) - have)) < 0)
			return -EIO;
		if (n == 0)
			return have == 0 ? 0 : -EIO;	/* it ended inside a sample */
		have += (size_t)n;
	}
	n_samples = have / sizeof(float);
	d->rest_len = have % sizeof(float);
	memcpy(d->rest, b + n_samples * sizeof(float), d->rest_len);
	for (i = 0; i < n_samples; i++)
		if (!isfinite(out[i]) || fabsf(out[i]) > 64.0f)
			return -EIO;	/* not sound: a decoder gone wrong */
	return (long)n_samples;
}

int
decode_run_finish(struct decode_run *d, int kill_it)
{
	int st;

	if (d->out >= 0)
		close(d->out);
	d->out = -1;
	if (d->pid <= 0)
		return DECODE_OK;
	if (kill_it)
		kill(d->pid, SIGKILL);
	while (waitpid(d->pid, &st, 0) < 0)
		if (errno != EINTR)
			return 128;
	d->pid = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
