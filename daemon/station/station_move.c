/*
 * loaxactl move ID POSITION: the operator puts a queued item at a position
 * (1 = next) among the bulletins of its class, slots included, because when a
 * district and a commune bulletin collide the commune decides the order.
 *
 * The class is ranked again as a whole. The queued items' new ranks are saved
 * on the store's writer (in its first lane: one small write the operator
 * waits for) in one transaction, and the new order takes effect, for the
 * queue and the waiting slots alike, once it is on disk; then the operator is
 * answered. When it cannot be saved nothing changes, on disk or in the line,
 * and the operator is told so. One new order is saved at a time: another
 * asked meanwhile would be computed from the order about to change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "daemon/core/log.h"
#include "daemon/station/station_int.h"

/* One waiting bulletin of a class, for reordering. */
struct move_entry {
	struct lineup_entry	 e;
	struct line_ref		 ref;
};

/* A new order on its way to the disk; the writer reads ids and ranks until done. */
struct move_save {
	struct station	*st;
	uint64_t	 token;		/* the operator's request */
	int64_t		 id, position;	/* for the answer */
	size_t		 nq;		/* queued items ranked again */
	int64_t		*ids, *ranks;
	size_t		 np;		/* waiting sequences ranked again, by serial */
	uint64_t	*serials;
	int64_t		*pranks;
};

static int
move_cmp(const void *a, const void *b)
{
	const struct move_entry *x = a, *y = b;

	return lineup_before(&x->e, &y->e) ? -1 : lineup_before(&y->e, &x->e) ? 1 : 0;
}

/* Every waiting bulletin of class cls, in the order they would play: the station's own lineup. */
static struct move_entry *
move_list(struct station *st, int cls, size_t *n)
{
	size_t cap = st->npending + st->nqueue + 1, all, i, k = 0;
	struct lineup_entry *e = calloc(cap, sizeof(*e));
	struct line_ref *ref = calloc(cap, sizeof(*ref));
	struct move_entry *v = calloc(cap, sizeof(*v));

	if (e == NULL || ref == NULL || v == NULL) {
		free(v);
		v = NULL;
		goto out;
	}
	all = station_lineup(st, e, ref, cap);
	for (i = 0; i < all; i++)
		if ((int)e[i].cls == cls)
			v[k++] = (struct move_entry){ e[i], ref[i] };
	qsort(v, k, sizeof(*v), move_cmp);
	*n = k;
out:
	free(ref);
	free(e);
	return v;
}

static void
move_save_free(struct move_save *m)
{
	free(m->ids);
	free(m->ranks);
	free(m->serials);
	free(m->pranks);
	free(m);
}

/*
 * The whole class, v[0..n) in its new order, is ranked again one millisecond
 * apart from base, where its first stood before: the new order holds, and
 * what becomes due later still comes after it. NULL when out of memory.
 */
static struct move_save *
move_save_new(struct station *st, const struct move_entry *v, size_t n, int64_t base)
{
	struct move_save *m = calloc(1, sizeof(*m));
	size_t i;

	if (m == NULL || (m->ids = calloc(n, sizeof(*m->ids))) == NULL ||
	    (m->ranks = calloc(n, sizeof(*m->ranks))) == NULL ||
	    (m->serials = calloc(n, sizeof(*m->serials))) == NULL ||
	    (m->pranks = calloc(n, sizeof(*m->pranks))) == NULL) {
		if (m != NULL)
			move_save_free(m);
		return NULL;
	}
	m->st = st;
	for (i = 0; i < n; i++) {
		if (v[i].ref.pending >= 0) {
			m->serials[m->np] = st->pending[v[i].ref.pending].serial;
			m->pranks[m->np++] = base + (int64_t)i;
		} else {
			m->ids[m->nq] = v[i].ref.q->id;
			m->ranks[m->nq++] = base + (int64_t)i;
		}
	}
	return m;
}

/* On the writer's thread: what it reads was made on the loop and is not touched there until done. */
static int
move_save_work(struct store *db, void *arg)
{
	struct move_save *m = arg;

	return store_queue_set_ranks(db, m->ids, m->ranks, m->nq);
}

/* The new order is on disk: the waiting sequences still there follow it, and the queue is read again. */
static void
move_apply(struct station *st, const struct move_save *m)
{
	size_t i, k;

	for (i = 0; i < m->np; i++)
		for (k = 0; k < st->npending; k++)
			if (st->pending[k].serial == m->serials[i])
				st->pending[k].entry.rank = m->pranks[i];
	if (station_queue_refresh(st) < 0)
		log_warnx(_("ctl: the queue could not be read again after a move; it is read at "
		    "its next change"));
}

static void
move_save_done(void *arg, int rc)
{
	struct move_save *m = arg;
	struct station *st = m->st;
	json_t *reply = json_object();

	st->moving = 0;
	if (rc == -ECANCELED) {		/* the station is stopping */
		json_decref(reply);
		move_save_free(m);
		return;
	}
	if (rc < 0) {
		log_warnx(_("ctl: the new order of the queue could not be saved: %s; it stays as it "
		    "was"), strerror(-rc));
		if (rc == -ENOSPC)
			station_ctl_fail(reply, _("the new order could not be saved (%s), so the queue "
			    "keeps its previous order; free space in %s and move again"),
			    strerror(-rc), st->cfg.storage.dir);
		else
			station_ctl_fail(reply, _("the new order could not be saved (%s), so the queue "
			    "keeps its previous order; move again"), strerror(-rc));
	} else {
		move_apply(st, m);
		log_info(_("ctl: queued item %lld moved to position %lld"), (long long)m->id,
		    (long long)m->position);
		json_object_set_new(reply, "id", json_integer(m->id));
		json_object_set_new(reply, "position", json_integer(m->position));
	}
	if (st->ctl != NULL && ctl_answer(st->ctl, m->token, rc < 0 ? -1 : 0, reply) < 0)
		log_info(_("ctl: the operator who moved item %lld did not wait for the answer"),
		    (long long)m->id);
	json_decref(reply);
	move_save_free(m);
}

/* v[0..n) in the new order: the queued item at `from` in the old order goes to pos (1..n). */
static void
move_reorder(struct move_entry *v, size_t n, size_t from, size_t pos)
{
	struct move_entry moved = v[from];

	memmove(&v[from], &v[from + 1], (n - from - 1) * sizeof(*v));
	memmove(&v[pos], &v[pos - 1], (n - pos) * sizeof(*v));
	v[pos - 1] = moved;
}

int
station_ctl_move(struct station *st, struct ctl_request *rq, json_t *reply)
{
	json_int_t id = json_integer_value(json_object_get(rq->req, "id"));
	json_int_t pos = json_integer_value(json_object_get(rq->req, "position"));
	struct move_entry *v;
	struct move_save *m;
	size_t n, i, from = (size_t)-1;
	int64_t base;

	for (i = 0; i < st->nqueue && from == (size_t)-1; i++)
		if (st->queue[i].id == id)
			from = i;
	if (id <= 0 || from == (size_t)-1)
		return station_ctl_fail(reply, _("there is no queued item %lld; see 'loaxactl list'"),
		    (long long)id);
	if (pos < 1)
		return station_ctl_fail(reply, _("the position must be 1 (next) or more"));
	if (st->moving)
		return station_ctl_fail(reply, _("another new order of the queue is being saved; move "
		    "again in a moment"));
	if ((v = move_list(st, st->queue[from].cls, &n)) == NULL)
		return station_ctl_fail(reply, _("out of memory"));
	for (i = 0; i < n && v[i].ref.q != &st->queue[from]; i++)
		;
	if (i == n) {			/* not in the line: nothing to move it among */
		free(v);
		return station_ctl_fail(reply, _("there is no queued item %lld; see 'loaxactl list'"),
		    (long long)id);
	}
	if ((size_t)pos > n)
		pos = (json_int_t)n;
	base = v[0].e.rank;
	move_reorder(v, n, i, (size_t)pos);
	m = move_save_new(st, v, n, base);
	free(v);
	if (m == NULL)
		return station_ctl_fail(reply, _("out of memory"));
	m->token = rq->token;
	m->id = id;
	m->position = pos;
	if (store_writer_call_first(st->writer, move_save_work, m, move_save_done, m) < 0) {
		move_save_free(m);
		return station_ctl_fail(reply, _("out of memory"));
	}
	st->moving = 1;
	return CTL_LATER;		/* answered, and in effect, once it is on disk */
}
