/*
 * The local schedule (schedule.cfg): slots of bulletins at times of day on
 * some weekdays within a date window, or once at a date and time. Read with
 * libconfig, checked like the station configuration ("FILE:LINE: SETTING:
 * reason", every problem at once), and immutable once loaded.
 */
#ifndef LOAXA_SCHEDULE_H
#define LOAXA_SCHEDULE_H

#include <stddef.h>

#include "config/errlist.h"
#include "config/tags.h"
#include "config/timeparse.h"

#define SCHED_DAY(wday)	(1u << (wday))	/* struct tm's tm_wday: 0 = Sunday */
#define SCHED_DAILY	0x7fu

#define SCHEDULE_MAX_SLOTS	1000
#define SCHEDULE_MAX_ITEMS	100	/* per slot */
#define SCHEDULE_MAX_BYTES	(16 * 1024 * 1024)
#define SCHEDULE_MAX_RELAY	(24 * 3600)	/* seconds a relay slot lasts, at most */

struct sched_item {
	char	*file;			/* absolute */
	char	*title;			/* given, or the file's base name without ".opus" */
	char	*name;			/* the name for reports; NULL: the file's base name */
	struct tags tags;		/* its slot's tags, then its own (see tags.h) */
};

/* The classes of Thông tư 39/2020/TT-BTTTT: higher goes first; emergency cuts in. */
enum sched_class { SCHED_NORMAL = 0, SCHED_PRIORITY = 1, SCHED_EMERGENCY = 2 };

struct sched_slot {
	char	*title;
	int	 line;			/* in the schedule file, for messages */
	int	 once;			/* one-off: date + time */
	struct sched_date date;		/* one-off only */
	int	 hh, mm, ss;
	unsigned days;			/* recurring: SCHED_DAY bits, never 0 */
	struct sched_date from, until;	/* recurring, inclusive; y == 0: open */
	int	 grace;			/* seconds, or -1: the station's */
	enum sched_class cls;		/* "class" in the file; normal when absent */
	struct tags tags;		/* the slot's own; every item has them too */
	int	 has_volume;		/* "volume" in the file: it replaces its class's */
	double	 volume;		/* dB, CONF_VOLUME_MIN..CONF_VOLUME_MAX */
	struct sched_item *items;
	size_t	 n_items;		/* 1..SCHEDULE_MAX_ITEMS; 0 for a relay */
	/*
	 * A relay (tiếp sóng): the slot plays the stream at relay (stream_url.h)
	 * for duration seconds instead of items, and the fallback bulletins, in
	 * a loop, while the stream is away (none: silence).
	 */
	char	*relay;			/* NULL: the slot plays its items */
	int	 duration;		/* seconds, 1..SCHEDULE_MAX_RELAY; 0 without relay */
	struct sched_item *fallback;
	size_t	 n_fallback;		/* 0..SCHEDULE_MAX_ITEMS */
};

struct schedule {
	char	*path;			/* as given (or the name) */
	struct sched_slot *slots;
	size_t	 n_slots;
};

/*
 * Reads and checks the schedule at path; relative item files are taken from
 * its directory. With check_files, every item file must exist and be
 * readable. NULL with every problem in errs (which may be NULL).
 */
struct schedule	*schedule_load(const char *path, int check_files, struct errlist *errs);
/* The same over text; name is used in messages, basedir for relative files (NULL: cwd). */
struct schedule	*schedule_parse_string(const char *text, const char *name, const char *basedir,
		    int check_files, struct errlist *errs);
void		 schedule_free(struct schedule *);
/*
 * A slot's bulletins in the one order that publish measures them in and a
 * manifest lists them in: its items, then its fallback bulletins.
 * sched_slot_bulletin(sl, j) for j < sched_slot_bulletins(sl); a schedule's
 * bulletins are its slots', slot by slot (schedule_bulletins in all).
 */
size_t		 sched_slot_bulletins(const struct sched_slot *);
const struct sched_item *sched_slot_bulletin(const struct sched_slot *, size_t j);
size_t		 schedule_bulletins(const struct schedule *);
/* "normal", "priority", "emergency". */
const char	*sched_class_name(enum sched_class);
/* 0 and *out, or -EINVAL for any other word. */
int		 sched_class_parse(const char *s, enum sched_class *out);

#endif
