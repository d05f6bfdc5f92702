/*
 * The relay helper: while a relay plays, the station keeps one loaxa-relay
 * process running for it (daemon/relay/), whose PCM goes straight to the
 * player (player_relay_feed) and whose status lines come here. The helper
 * makes one connection and exits when it breaks; a crash is the same to us.
 * Either way, while the relay still plays, another is started after a
 * back-off (1 s, doubling to RELAY_BACKOFF_MAX_MS; a helper that ran for a
 * while starts the count again). The stream never comes into loaxad's
 * address space; only PCM does, through a pipe the player reads without
 * blocking.
 *
 * Started on the player's "started" of a relay and stopped on its end, so
 * that a relay cut off by an emergency, or by a failing device, has no
 * helper until it plays again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/i18n.h"
#include "config/stream_url.h"
#include "daemon/core/clock.h"
#include "daemon/core/helper_path.h"
#include "daemon/core/log.h"
#include "daemon/station/station_int.h"

#define RELAY_BACKOFF_FIRST_MS	1000
#define RELAY_BACKOFF_MAX_MS	5000
#define RELAY_RAN_WELL_MS	30000	/* a helper that ran this long starts the back-off again */
#define RELAY_KILL_MS		2000	/* SIGTERM, then SIGKILL after this */
#define RELAY_PIPE_BYTES	(512 * 1024)

extern char **environ;

static void
relay_close_fds(struct station_relay *r)
{
	if (r->err_fd >= 0)
		close(r->err_fd);
	if (r->pidfd >= 0)
		close(r->pidfd);
	r->err_fd = r->pidfd = -1;
	r->line_len = 0;
}

static int
relay_spawn_process(struct station *st, int out_w, int err_w)
{
	struct station_relay *r = &st->relay;
	char path[PATH_MAX], rate[16], channels[16], stall[16];
	char *argv[12];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int i = 0, rc;

	helper_path("loaxa-relay", path, sizeof(path));
	snprintf(rate, sizeof(rate), "%u", st->cfg.audio.rate);
	snprintf(channels, sizeof(channels), "%u", st->cfg.audio.channels);
	snprintf(stall, sizeof(stall), "%d", st->cfg.relay.stall);
	argv[i++] = "loaxa-relay";
	argv[i++] = "--rate";
	argv[i++] = rate;
	argv[i++] = "--channels";
	argv[i++] = channels;
	argv[i++] = "--stall";
	argv[i++] = stall;
	if (st->cfg.mqtt.tls.ca[0] != '\0') {	/* the district's own server is one of ours */
		argv[i++] = "--ca";
		argv[i++] = st->cfg.mqtt.tls.ca;
	}
	argv[i++] = r->url;
	argv[i] = NULL;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_w, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err_w, STDERR_FILENO);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&r->pid, path, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -rc;
}

/* Starts a helper for r->url; its PCM pipe goes to the player. 0 or a negative errno. */
static int
relay_spawn(struct station *st, int64_t now)
{
	struct station_relay *r = &st->relay;
	int out[2], err[2], rc;

	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = -errno;
		close(out[0]);
		close(out[1]);
		return rc;
	}
	rc = relay_spawn_process(st, out[1], err[1]);
	close(out[1]);
	close(err[1]);
	if (rc == 0 && (r->pidfd = pidfd_open(r->pid, 0)) < 0) {
		rc = -errno;
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	if (rc < 0) {
		r->pid = 0;
		close(out[0]);
		close(err[0]);
		return rc;
	}
	r->err_fd = err[0];
	r->spawned_at = now;
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	/* Room for a burst of a few seconds, so that the helper does not wait on us. */
	(void)fcntl(out[0], F_SETPIPE_SZ, RELAY_PIPE_BYTES);
	player_relay_feed(st->player, out[0]);
	return 0;
}

/* The next helper, after the back-off. */
static void
relay_retry_later(struct station_relay *r, int64_t now)
{
	if (now - r->spawned_at >= RELAY_RAN_WELL_MS)
		r->backoff_ms = RELAY_BACKOFF_FIRST_MS;
	r->restart_at = now + r->backoff_ms;
	r->backoff_ms = r->backoff_ms * 2 > RELAY_BACKOFF_MAX_MS ? RELAY_BACKOFF_MAX_MS :
	    r->backoff_ms * 2;
}

static void
relay_start_now(struct station *st, int64_t now)
{
	struct station_relay *r = &st->relay;
	char pub[STREAM_URL_MAX + 1];
	int rc;

	r->restart_at = 0;
	if ((rc = relay_spawn(st, now)) == 0)
		return;
	stream_url_public(r->url, pub, sizeof(pub));
	log_warnx(_("station: cannot start the relay helper for %s: %s; trying again"), pub,
	    strerror(-rc));
	r->spawned_at = now;
	relay_retry_later(r, now);
}

/* One status line of the helper: "connected\t<what>" or "error\t<why>". */
static void
relay_status_line(struct station *st, char *line)
{
	struct station_relay *r = &st->relay;
	char pub[STREAM_URL_MAX + 1], *tab = strchr(line, '\t');
	const char *text = tab != NULL ? tab + 1 : line;

	if (tab != NULL)
		*tab = '\0';
	if (!conf_text_clean(text))
		return;
	stream_url_public(r->url, pub, sizeof(pub));
	if (tab != NULL && strcmp(line, "connected") == 0) {
		log_info(_("station: relaying %s: %s"), pub, text);
		return;
	}
	log_warnx(_("station: relaying %s: %s"), pub, text);
	snprintf(r->why, sizeof(r->why), "%s", text);
	player_relay_note(st->player, r->why);
}

static void
relay_read_status(struct station *st)
{
	struct station_relay *r = &st->relay;
	char *nl;
	ssize_t n;

	while ((n = read(r->err_fd, r->line + r->line_len, sizeof(r->line) - 1 - r->line_len)) > 0) {
		r->line_len += (size_t)n;
		r->line[r->line_len] = '\0';
		while ((nl = strchr(r->line, '\n')) != NULL) {
			*nl = '\0';
			relay_status_line(st, r->line);
			r->line_len -= (size_t)(nl + 1 - r->line);
			memmove(r->line, nl + 1, r->line_len + 1);
		}
		if (r->line_len == sizeof(r->line) - 1)	/* a line too long: not ours to read */
			r->line_len = 0;
	}
}

/* The helper has exited: reaped, said why if it crashed, and another started later. */
static void
relay_reap(struct station *st, int64_t now)
{
	struct station_relay *r = &st->relay;
	char why[160];
	int status;

	relay_read_status(st);
	if (waitpid(r->pid, &status, WNOHANG) != r->pid)
		return;
	if (WIFSIGNALED(status) && r->wanted && r->kill_at == 0) {
		snprintf(why, sizeof(why), _("the relay helper stopped on signal %d (%s)"),
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
		log_warnx("station: %s", why);
		snprintf(r->why, sizeof(r->why), "%s", why);
		player_relay_note(st->player, r->why);
	}
	r->pid = 0;
	r->kill_at = 0;
	relay_close_fds(r);
	if (r->wanted)
		relay_retry_later(r, now);
}

void
station_relay_started(struct station *st, const struct play_item *it)
{
	struct station_relay *r = &st->relay;

	if (it->relay == NULL)
		return;
	snprintf(r->url, sizeof(r->url), "%s", it->relay);
	r->wanted = 1;
	r->why[0] = '\0';
	r->backoff_ms = RELAY_BACKOFF_FIRST_MS;
	if (r->pid == 0)
		relay_start_now(st, clock_mono_ms());
}

/* The relay ended: its helper is told to stop, and is reaped when it has. */
void
station_relay_ended(struct station *st, const struct play_item *it)
{
	struct station_relay *r = &st->relay;

	if (it->relay == NULL)
		return;
	r->wanted = 0;
	r->restart_at = 0;
	if (r->pid != 0 && r->kill_at == 0) {
		kill(r->pid, SIGTERM);
		r->kill_at = clock_mono_ms() + RELAY_KILL_MS;
	}
}

static int
relay_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct station *st = arg;
	struct station_relay *r = &st->relay;
	int n = 0;

	if (r->restart_at != 0 && r->restart_at < *deadline)
		*deadline = r->restart_at;
	if (r->kill_at != 0 && r->kill_at < *deadline)
		*deadline = r->kill_at;
	if (r->pid == 0 || max < 2)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = r->err_fd, .events = POLLIN };
	return n;
}

static void
relay_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct station *st = arg;
	struct station_relay *r = &st->relay;

	if (n == 2 && (pfd[1].revents & (POLLIN | POLLHUP)))
		relay_read_status(st);
	if (n == 2 && (pfd[0].revents & POLLIN))
		relay_reap(st, now);
	if (r->pid != 0 && r->kill_at != 0 && now >= r->kill_at) {
		kill(r->pid, SIGKILL);
		r->kill_at = now + RELAY_KILL_MS;
	}
	if (r->pid == 0 && r->wanted && r->restart_at != 0 && now >= r->restart_at)
		relay_start_now(st, now);
}

void
station_relay_source(struct station *st, struct ev_source *src)
{
	src->name = "relay";
	src->prepare = relay_prepare;
	src->dispatch = relay_dispatch;
	src->arg = st;
}

/* At the end: no helper outlives the station. */
void
station_relay_close(struct station *st)
{
	struct station_relay *r = &st->relay;

	r->wanted = 0;
	if (r->pid != 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
	relay_close_fds(r);
}
