/*
 * The store's writer (see store_writer.h): two FIFOs of jobs (the first lane,
 * emptied before the thread takes a job from the ordinary one), one thread
 * that runs them on its own SQLite connection, and an eventfd that tells the
 * loop which are done. Jobs stay on a list until the loop has heard of them, so
 * that store_writer_removing() covers a write from submission until the loop
 * can see it in the database.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "config/errlist.h"
#include "config/i18n.h"
#include <jansson.h>

#include "daemon/core/log.h"
#include "daemon/core/thread.h"
#include "daemon/store/hashcache.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_writer.h"

enum job_kind { JOB_EVENT, JOB_OUTBOX_ACK, JOB_KV_SET, JOB_CALL };

struct job {
	enum job_kind	 kind;
	char		*play_id, *event, *json, *topic;	/* JOB_EVENT; key and value for JOB_KV_SET */
	char		*hash_path;	/* JOB_EVENT: the file whose SHA-256 the record lacks */
	time_t		 at;
	int64_t		 id;		/* the queue item leaving (JOB_EVENT, JOB_CALL), the outbox seq */
	store_work_fn	 fn;		/* JOB_CALL */
	void		*fn_arg;
	store_done_fn	 done;
	void		*arg;
	int		 rc;
	struct job	*next;
};

struct store_writer {
	struct store	*db;		/* the thread's own connection */
	struct hashcache *hashes;	/* the thread's */
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 more;		/* a job was queued, or quit */
	int		 quit;
	time_t		 wall_now;	/* the loop's wall clock (store_writer_maintain); 0: not yet */
	time_t		 maint_asked;	/* when the loop last asked for pruning; 0: never */
	int		 maint_due;	/* pruning asked for, or more of it left */
	int		 done_fd;	/* eventfd: jobs are done */
	struct job	*waiting, **waiting_tail;	/* submitted, not yet run, in order */
	struct job	*first, **first_tail;	/* the same, run before those (store_writer_call_first) */
	struct job	*running;
	struct job	*done, **done_tail;	/* run, the loop not yet told */
};

static void
job_free(struct job *j)
{
	free(j->play_id);
	free(j->event);
	free(j->json);
	free(j->topic);
	free(j->hash_path);
	free(j);
}

/* Puts the file's SHA-256 into a record that lacks it; the record is kept as it is otherwise. */
static void
job_fill_sha256(struct hashcache *hashes, struct job *j)
{
	json_t *o = json_loads(j->json, 0, NULL);
	char hex[65], *s;

	if (o != NULL && json_is_null(json_object_get(o, "sha256")) &&
	    hashcache_get(hashes, j->hash_path, hex) == 0) {
		json_object_set_new(o, "sha256", json_string(hex));
		if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL) {
			free(j->json);
			j->json = s;
		}
	}
	json_decref(o);
}

static int
job_run(struct store_writer *w, struct job *j)
{
	struct asrun_rec rec = { j->play_id, j->event, j->at, NULL, j->id };
	struct store *db = w->db;

	switch (j->kind) {
	case JOB_EVENT:
		if (j->hash_path != NULL)
			job_fill_sha256(w->hashes, j);
		rec.json = j->json;
		return store_event_add(db, &rec, j->topic);
	case JOB_OUTBOX_ACK:
		return store_outbox_ack(db, j->id);
	case JOB_KV_SET:
		return store_kv_set(db, j->play_id, j->json);
	case JOB_CALL:
		return j->fn(db, j->fn_arg);
	}
	return -EINVAL;
}

static void
job_log_failure(const struct job *j)
{
	if (j->rc >= 0)
		return;
	if (j->kind == JOB_EVENT)
		log_warnx(_("store: the %s record for %s could not be stored"), j->event, j->play_id);
	/* -ENOENT: the outbox's bound evicted the message while it was in flight. */
	if (j->kind == JOB_OUTBOX_ACK && j->rc != -ENOENT)
		log_warnx(_("store: could not remove report %lld from the outbox"), (long long)j->id);
	if (j->kind == JOB_KV_SET)
		log_warnx(_("store: could not save \"%s\""), j->play_id);
}

/* Runs the next job without the lock; returns with the lock held. */
static void
writer_run_one(struct store_writer *w)
{
	struct job *j;

	if ((j = w->first) != NULL) {
		if ((w->first = j->next) == NULL)
			w->first_tail = &w->first;
	} else {
		j = w->waiting;
		if ((w->waiting = j->next) == NULL)
			w->waiting_tail = &w->waiting;
	}
	j->next = NULL;
	w->running = j;
	pthread_mutex_unlock(&w->lock);
	j->rc = job_run(w, j);
	job_log_failure(j);
	pthread_mutex_lock(&w->lock);
	w->running = NULL;
	*w->done_tail = j;
	w->done_tail = &j->next;
	if (eventfd_write(w->done_fd, 1) == -1)
		log_warn(_("store: cannot wake the loop"));
}

/* Called and returns with the lock held. One pass; asks for another while more is left. */
static void
writer_prune(struct store_writer *w)
{
	time_t now = w->wall_now;
	int more;

	w->maint_due = 0;
	pthread_mutex_unlock(&w->lock);
	more = store_maintain(w->db, now) == STORE_PRUNE_BATCH;
	pthread_mutex_lock(&w->lock);
	if (more)
		w->maint_due = 1;	/* the queue's jobs go first, then the next batch */
}

static void *
writer_main(void *arg)
{
	struct store_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		if (w->first != NULL || w->waiting != NULL) {
			writer_run_one(w);
			continue;
		}
		if (w->quit)
			break;
		if (w->maint_due) {
			writer_prune(w);
			continue;
		}
		/* Nothing to do: asleep until asked (an idle station wakes it hourly). */
		pthread_cond_wait(&w->more, &w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct store_writer *
store_writer_new(const struct store *s, struct errlist *errs)
{
	struct store_writer *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		errlist_add(errs, _("cannot start the store's writer: out of memory"));
		return NULL;
	}
	w->waiting_tail = &w->waiting;
	w->first_tail = &w->first;
	w->done_tail = &w->done;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->more, NULL);
	w->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->done_fd < 0 || (w->hashes = hashcache_new()) == NULL || (w->db = store_open_again(s, errs)) == NULL ||
	    thread_start(&w->thread, 0, writer_main, w) < 0) {
		if (w->db != NULL)
			errlist_add(errs, _("cannot start the store's writer thread"));
		store_close(w->db);
		hashcache_free(w->hashes);
		if (w->done_fd >= 0)
			close(w->done_fd);
		pthread_cond_destroy(&w->more);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

/* The loop is stopping: what is done is told so with -ECANCELED, for its owners to free. */
static void
writer_cancel_done(struct store_writer *w)
{
	struct job *j, *next;

	for (j = w->done; j != NULL; j = next) {
		next = j->next;
		if (j->done != NULL)
			j->done(j->arg, -ECANCELED);
		job_free(j);
	}
	w->done = NULL;
}

void
store_writer_free(struct store_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = 1;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	writer_cancel_done(w);
	store_close(w->db);
	hashcache_free(w->hashes);
	close(w->done_fd);
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static void
writer_submit(struct store_writer *w, struct job *j, int first)
{
	pthread_mutex_lock(&w->lock);
	if (first) {
		*w->first_tail = j;
		w->first_tail = &j->next;
	} else {
		*w->waiting_tail = j;
		w->waiting_tail = &j->next;
	}
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
}

static char *
dup_or_null(const char *s, int *fail)
{
	char *d = s != NULL ? strdup(s) : NULL;

	if (s != NULL && d == NULL)
		*fail = 1;
	return d;
}

static struct job *
job_new(enum job_kind kind, const char *a, const char *b, const char *c, const char *d)
{
	struct job *j = calloc(1, sizeof(*j));
	int fail = 0;

	if (j == NULL)
		return NULL;
	j->kind = kind;
	j->play_id = dup_or_null(a, &fail);
	j->event = dup_or_null(b, &fail);
	j->json = dup_or_null(c, &fail);
	j->topic = dup_or_null(d, &fail);
	if (fail) {
		job_free(j);
		return NULL;
	}
	return j;
}

int
store_writer_event(struct store_writer *w, const struct asrun_rec *rec, const char *topic,
    const char *hash_path, store_done_fn done, void *arg)
{
	struct job *j = job_new(JOB_EVENT, rec->play_id, rec->event, rec->json, topic);

	if (j == NULL)
		return -ENOMEM;
	if (hash_path != NULL && (j->hash_path = strdup(hash_path)) == NULL) {
		job_free(j);
		return -ENOMEM;
	}
	j->at = rec->at;
	j->id = rec->queue_id;
	j->done = done;
	j->arg = arg;
	writer_submit(w, j, 0);
	return 0;
}

static int
writer_call(struct store_writer *w, store_work_fn fn, void *arg, int64_t queue_id,
    store_done_fn done, void *done_arg, int first)
{
	struct job *j = job_new(JOB_CALL, NULL, NULL, NULL, NULL);

	if (j == NULL)
		return -ENOMEM;
	j->fn = fn;
	j->fn_arg = arg;
	j->id = queue_id;
	j->done = done;
	j->arg = done_arg;
	writer_submit(w, j, first);
	return 0;
}

int
store_writer_call(struct store_writer *w, store_work_fn fn, void *arg, int64_t queue_id,
    store_done_fn done, void *done_arg)
{
	return writer_call(w, fn, arg, queue_id, done, done_arg, 0);
}

int
store_writer_call_first(struct store_writer *w, store_work_fn fn, void *arg,
    store_done_fn done, void *done_arg)
{
	return writer_call(w, fn, arg, 0, done, done_arg, 1);
}

void
store_writer_outbox_ack(struct store_writer *w, int64_t seq)
{
	struct job *j = job_new(JOB_OUTBOX_ACK, NULL, NULL, NULL, NULL);

	if (j == NULL) {
		log_warnx(_("store: out of memory: report %lld stays in the outbox"), (long long)seq);
		return;
	}
	j->id = seq;
	writer_submit(w, j, 0);
}

void
store_writer_kv_set(struct store_writer *w, const char *key, const char *value)
{
	struct job *j = job_new(JOB_KV_SET, key, NULL, value, NULL);

	if (j == NULL) {
		log_warnx(_("store: out of memory: \"%s\" is not saved"), key);
		return;
	}
	writer_submit(w, j, 0);
}

void
store_writer_time_floor_raise(struct store_writer *w, struct store *loop_db, time_t t)
{
	char buf[32];

	if (!store_time_floor_moves(loop_db, t))
		return;
	loop_db->time_floor = t;
	snprintf(buf, sizeof(buf), "%lld", (long long)t);
	store_writer_kv_set(w, STORE_FLOOR_KEY, buf);
}

void
store_writer_maintain(struct store_writer *w, time_t now)
{
	pthread_mutex_lock(&w->lock);
	w->wall_now = now;
	if (now > 0 && (w->maint_asked == 0 || now < w->maint_asked ||
	    now - w->maint_asked >= STORE_MAINTAIN_EVERY)) {
		w->maint_asked = now;
		w->maint_due = 1;
		pthread_cond_signal(&w->more);
	}
	pthread_mutex_unlock(&w->lock);
}

static int
jobs_remove(const struct job *j, int64_t queue_id)
{
	for (; j != NULL; j = j->next)
		if ((j->kind == JOB_EVENT || j->kind == JOB_CALL) && j->id == queue_id)
			return 1;
	return 0;
}

int
store_writer_removing(struct store_writer *w, int64_t queue_id)
{
	int yes;

	pthread_mutex_lock(&w->lock);
	yes = jobs_remove(w->first, queue_id) || jobs_remove(w->waiting, queue_id) ||
	    jobs_remove(w->running, queue_id) || jobs_remove(w->done, queue_id);
	pthread_mutex_unlock(&w->lock);
	return yes;
}

/* --- the loop's side: done callbacks ------------------------------------------------- */

static int
writer_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct store_writer *w = arg;

	(void)deadline;
	if (max < 1)
		return 0;
	pfd->fd = w->done_fd;
	pfd->events = POLLIN;
	return 1;
}

static struct job *
writer_take_done(struct store_writer *w)
{
	struct job *j;

	pthread_mutex_lock(&w->lock);
	if ((j = w->done) != NULL && (w->done = j->next) == NULL)
		w->done_tail = &w->done;
	pthread_mutex_unlock(&w->lock);
	return j;
}

static void
writer_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct store_writer *w = arg;
	struct job *j;
	eventfd_t v;

	(void)now;
	if (n < 1 || !(pfd->revents & POLLIN))
		return;
	(void)eventfd_read(w->done_fd, &v);
	while ((j = writer_take_done(w)) != NULL) {
		if (j->done != NULL)
			j->done(j->arg, j->rc);
		job_free(j);
	}
}

void
store_writer_source(struct store_writer *w, struct ev_source *src)
{
	src->name = "store_writer";
	src->prepare = writer_prepare;
	src->dispatch = writer_dispatch;
	src->arg = w;
}
