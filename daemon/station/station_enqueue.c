/*
 * The operator's changes to the queue that wait for the disk. Queueing a
 * file: copied into the station's storage, decoded through once, and added to
 * the queue; cancelling an item: taken out. Both on the store's writer thread,
 * because on a slow SD card each step waits for the disk, and the loop (what
 * starts slots, what answers 'loaxactl status') must not. The operator's
 * 'loaxactl queue' is answered once the item is on disk (ctl_answer), never
 * before. The daemon checks the whole file itself, whoever the client is:
 * valid headers over garbage audio are refused here, not found out when the
 * item's turn comes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codecs/opus_reader.h"
#include "config/i18n.h"
#include "config/readfile.h"
#include "daemon/core/log.h"
#include "daemon/proto/report.h"
#include "daemon/station/station_int.h"

/* One file on its way into the queue; the writer's until done, then the loop's. */
struct enqueue {
	struct station	*st;
	uint64_t	 token;		/* the request, for ctl_answer */
	unsigned	 uid;
	int		 fd;		/* the operator's file, passed over the socket */
	uint64_t	 max_bytes;
	char		*name, *title, *tags;
	struct queue_item q;
	char		 path[4096];
	char		 err[1024];	/* for the operator, when it fails */
};

static void __attribute__((format(printf, 2, 3)))
enqueue_fail(struct enqueue *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
}

static int
enqueue_copy(struct store *db, struct enqueue *e)
{
	int rc = store_import_fd(db, e->fd, e->max_bytes, e->path, sizeof(e->path), e->q.sha256);

	close(e->fd);
	e->fd = -1;
	if (rc == -EFBIG)
		enqueue_fail(e, _("cannot queue \"%s\": it is larger than %llu MiB"), e->name,
		    (unsigned long long)(e->max_bytes >> 20));
	else if (rc == -ENOSPC)
		enqueue_fail(e, _("cannot queue \"%s\": the station's storage is full; cancel "
		    "queued items or free space in %s"), e->name, e->st->cfg.storage.dir);
	else if (rc == -EINVAL || rc == -EISDIR)
		enqueue_fail(e, _("cannot queue \"%s\": %s; queue a bulletin file"), e->name,
		    readfile_strerror(rc));
	else if (rc < 0)
		enqueue_fail(e, _("cannot queue \"%s\": it could not be copied into the "
		    "station's storage (%s)"), e->name, strerror(-rc));
	return rc;
}

/* The writer's part: copy, decode through, queue. Touches nothing of the loop's. */
static int
enqueue_work(struct store *db, void *arg)
{
	struct enqueue *e = arg;
	struct opus_info info;
	int rc;

	if ((rc = enqueue_copy(db, e)) < 0)
		return rc;
	if ((rc = opus_reader_check_file(e->path, 48000, 1, &info)) < 0) {
		enqueue_fail(e, _("cannot queue \"%s\": %s"), e->name, opus_reader_strerror(rc));
		return rc;
	}
	e->q.path = e->path;
	e->q.name = e->name;
	e->q.title = e->title;
	e->q.tags = e->tags;
	rc = store_queue_add(db, &e->q);
	if (rc == -EDQUOT)
		enqueue_fail(e, _("the queue is full (%d items); cancel some with "
		    "'loaxactl cancel ID' first"), STORE_QUEUE_MAX);
	else if (rc == -ENOSPC)
		enqueue_fail(e, _("cannot queue \"%s\": the station's storage is full; cancel "
		    "queued items or free space in %s"), e->name, e->st->cfg.storage.dir);
	else if (rc < 0)
		enqueue_fail(e, _("cannot queue \"%s\": the station could not save its queue"),
		    e->name);
	return rc;
}

static void
enqueue_free(struct enqueue *e)
{
	if (e->fd >= 0)
		close(e->fd);
	free(e->name);
	free(e->title);
	free(e->tags);
	free(e);
}

/* On the loop: the item is on disk (or refused); the operator hears it now. */
static void
enqueue_done(void *arg, int rc)
{
	struct enqueue *e = arg;
	struct station *st = e->st;
	json_t *reply;

	if (rc == -ECANCELED || st->ctl == NULL) {
		enqueue_free(e);
		return;
	}
	reply = json_object();
	if (rc < 0) {
		if (e->err[0] == '\0')
			enqueue_fail(e, _("cannot queue \"%s\": the station could not save its "
			    "queue"), e->name);
		json_object_set_new(reply, "error", json_string(e->err));
	} else {
		log_info(_("ctl: queued \"%s\" (%s) as %lld for uid %u"), e->title, e->name,
		    (long long)e->q.id, e->uid);
		station_queue_refresh(st);
		json_object_set_new(reply, "id", json_integer(e->q.id));
		json_object_set_new(reply, "title", json_string(e->title));
		json_object_set_new(reply, "at", report_time(e->q.at));
		json_object_set_new(reply, "class",
		    json_string(sched_class_name((enum sched_class)e->q.cls)));
		if (e->tags != NULL)
			json_object_set_new(reply, "tags", json_loads(e->tags, 0, NULL));
	}
	if (ctl_answer(st->ctl, e->token, rc < 0 ? -1 : 0, reply) < 0)
		log_info(_("ctl: uid %u did not wait for the answer about \"%s\""), e->uid, e->name);
	json_decref(reply);
	enqueue_free(e);
}

int
station_enqueue(struct station *st, struct ctl_request *rq, const struct queue_item *q,
    uint64_t max_bytes)
{
	struct enqueue *e = calloc(1, sizeof(*e));

	if (e == NULL || (e->name = strdup(q->name)) == NULL ||
	    (e->title = strdup(q->title)) == NULL ||
	    (q->tags != NULL && (e->tags = strdup(q->tags)) == NULL)) {
		if (e != NULL)
			enqueue_free(e);
		return -ENOMEM;
	}
	e->st = st;
	e->token = rq->token;
	e->uid = (unsigned)rq->uid;
	e->max_bytes = max_bytes;
	e->q = *q;
	e->q.path = e->q.name = e->q.title = e->q.tags = NULL;
	e->fd = rq->fd;
	/* An emergency does not wait behind the records a slow disk has not written yet. */
	if ((q->cls == SCHED_EMERGENCY ?
	    store_writer_call_first(st->writer, enqueue_work, e, enqueue_done, e) :
	    store_writer_call(st->writer, enqueue_work, e, 0, enqueue_done, e)) < 0) {
		e->fd = -1;		/* still the request's: ctl closes it */
		enqueue_free(e);
		return -ENOMEM;
	}
	rq->fd = -1;			/* the writer's now */
	return CTL_LATER;
}

/* --- cancelling a queued item: the same, the other way ------------------------------ */

struct dequeue {
	struct station	*st;
	uint64_t	 token;
	int64_t		 id;
};

static int
dequeue_work(struct store *db, void *arg)
{
	struct dequeue *d = arg;

	return store_queue_remove(db, d->id);
}

static void
dequeue_done(void *arg, int rc)
{
	struct dequeue *d = arg;
	struct station *st = d->st;
	json_t *reply;
	char msg[256];

	if (rc == -ECANCELED || st->ctl == NULL) {
		free(d);
		return;
	}
	reply = json_object();
	if (rc < 0) {
		snprintf(msg, sizeof(msg), _("there is no queued item %lld; see 'loaxactl list'"),
		    (long long)d->id);
		json_object_set_new(reply, "error", json_string(msg));
	} else {
		log_info(_("ctl: queued item %lld cancelled"), (long long)d->id);
		json_object_set_new(reply, "id", json_integer(d->id));
	}
	station_queue_refresh(st);
	ctl_answer(st->ctl, d->token, rc < 0 ? -1 : 0, reply);
	json_decref(reply);
	free(d);
}

int
station_dequeue(struct station *st, struct ctl_request *rq, int64_t id)
{
	struct dequeue *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -ENOMEM;
	d->st = st;
	d->token = rq->token;
	d->id = id;
	if (store_writer_call(st->writer, dequeue_work, d, id, dequeue_done, d) < 0) {
		free(d);
		return -ENOMEM;
	}
	station_queue_refresh(st);	/* it leaves the line at once */
	return CTL_LATER;
}
