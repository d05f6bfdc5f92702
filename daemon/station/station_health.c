/*
 * The station's storage and outbox, for its status: how much room is left
 * on the SD card, and how many reports wait for the broker. The district's
 * fleet view (loaxactl stations) turns them into "disk nearly full" and
 * "outbox backlog".
 *
 * Both are measured on the store's writer, not on the loop: statvfs and a
 * count of the outbox may each wait for a slow card (on FAT the kernel may
 * read the whole allocation table to count free space), and the loop must
 * not. Every 5 minutes is enough for a view that calls a status stale after
 * 15, and each measure wakes the writer and the loop once more when idle.
 * A measure goes behind the writes already submitted, so on a card that is
 * behind, the figure is as old as the backlog; it is taken again every
 * HEALTH_EVERY_S seconds, one at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "config/i18n.h"
#include "daemon/core/log.h"
#include "daemon/proto/report.h"
#include "daemon/station/station_int.h"
#include "daemon/store/store_writer.h"

#define HEALTH_EVERY_S	300

/* One measure on its way: filled on the writer's thread, read on the loop. */
struct health_probe {
	struct station		*st;
	char			 dir[PATH_MAX];
	struct statvfs		 vfs;
	int			 vfs_rc;	/* 0, or -errno */
	struct store_outbox_stats ob;
	int			 ob_rc;
	time_t			 at;
};

/* On the writer's thread: the figures, with the writer's own connection. */
static int
health_work(struct store *db, void *arg)
{
	struct health_probe *p = arg;

	p->vfs_rc = statvfs(p->dir, &p->vfs) == 0 ? 0 : -errno;
	p->ob_rc = store_outbox_stats(db, &p->ob);
	return 0;
}

/* On the loop: the figures become the station's. */
static void
health_done(void *arg, int rc)
{
	struct health_probe *p = arg;
	struct station_health *h;
	int first;

	if (rc == -ECANCELED) {
		free(p);
		return;
	}
	h = &p->st->health;
	first = !h->have_disk && !h->have_outbox;
	h->probing = 0;
	h->at = p->at;
	h->have_disk = p->vfs_rc == 0;
	if (h->have_disk) {
		h->disk_free = (unsigned long long)p->vfs.f_bavail * p->vfs.f_frsize;
		h->disk_total = (unsigned long long)p->vfs.f_blocks * p->vfs.f_frsize;
	} else {
		log_warnx(_("station: cannot measure the free space of %s: %s"), p->dir,
		    strerror(-p->vfs_rc));
	}
	h->have_outbox = p->ob_rc == 0;
	if (h->have_outbox)
		h->outbox = p->ob;
	if (first)
		station_mark_dirty(p->st);	/* the district sees them without waiting a period */
	free(p);
}

void
station_health_probe(struct station *st, time_t now)
{
	struct station_health *h = &st->health;
	struct health_probe *p;

	if (h->probing || (h->asked != 0 && now >= h->asked && now - h->asked < HEALTH_EVERY_S))
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;		/* the next tick tries again */
	p->st = st;
	p->at = now;
	snprintf(p->dir, sizeof(p->dir), "%s", st->cfg.storage.dir);
	if (store_writer_call(st->writer, health_work, p, 0, health_done, p) < 0) {
		free(p);
		return;
	}
	h->probing = 1;
	h->asked = now;
}

json_t *
station_health_storage_json(const struct station *st)
{
	const struct station_health *h = &st->health;
	double pct;

	if (!h->have_disk || h->disk_total == 0)
		return NULL;
	pct = 100.0 * (double)h->disk_free / (double)h->disk_total;
	return json_pack("{s:I, s:I, s:f, s:o}", "free_bytes", (json_int_t)h->disk_free,
	    "total_bytes", (json_int_t)h->disk_total, "free_percent", (double)(long)(pct * 10) / 10,
	    "at", report_time(h->at));
}

json_t *
station_health_outbox_json(const struct station *st)
{
	const struct station_health *h = &st->health;

	if (!h->have_outbox)
		return NULL;
	return json_pack("{s:I, s:I, s:I, s:o}", "pending", (json_int_t)h->outbox.count,
	    "max", (json_int_t)h->outbox.max, "dropped_records",
	    (json_int_t)h->outbox.dropped_records, "at", report_time(h->at));
}
