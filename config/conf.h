/*
 * The station configuration (loaxa.cfg), read with libconfig into a checked,
 * immutable struct; and the checking helpers that the other libconfig files
 * (the schedule) share, so that every file reports its problems the same
 * way: "FILE:LINE: SETTING: reason", all of them at once.
 */
#ifndef LOAXA_CONF_H
#define LOAXA_CONF_H

#include <libconfig.h>
#include <limits.h>
#include <stddef.h>

#include "config/errlist.h"

#define CONF_MAX_BYTES	(256 * 1024)	/* a station configuration is a few hundred bytes */
#define CONF_TEXT_MAX	200		/* names and titles, in bytes of UTF-8 */

struct cfg_station {
	char	id[64];			/* ^[a-z0-9][a-z0-9-]{0,62}$: safe in MQTT topics */
	char	region[64];		/* the same rule */
	char	name[256];		/* UTF-8, 1..CONF_TEXT_MAX bytes */
};

/*
 * The attention chime before a sequence of one class (a slot, a queued item,
 * an alert): none, the sound loaxa ships for the class (the chime, or before
 * an emergency the emergency tone), or an Ogg Opus file. The file's audio is
 * checked where the decoder is (daemon/audio/chime.c); where says where the
 * setting was written, for its messages.
 */
enum cfg_chime_kind { CHIME_NONE, CHIME_DEFAULT, CHIME_FILE };

struct cfg_chime {
	enum cfg_chime_kind kind;
	char	 file[PATH_MAX];	/* CHIME_FILE: absolute */
	char	 where[PATH_MAX + 80];	/* "FILE:LINE: audio.chime.normal" */
};

#define CONF_CLASSES		3	/* enum sched_class: normal, priority, emergency */
#define CONF_VOLUME_MIN		(-40.0)	/* dB */
#define CONF_VOLUME_MAX		12.0

struct cfg_audio {
	char	 device[256];		/* ALSA PCM name */
	unsigned rate;			/* 8000 12000 16000 24000 48000 */
	unsigned channels;		/* 1 or 2 */
	unsigned buffer_ms;		/* 20..2000 */
	char	 mixer[64];		/* ALSA mixer device for volume; "": none */
	char	 mixer_control[64];	/* its simple control, e.g. "Master" */
	int	 emergency_volume;	/* percent, 0..100, while an emergency plays */
	struct cfg_chime chime[CONF_CLASSES];	/* by class; CHIME_NONE when not set */
	double	 volume[CONF_CLASSES];	/* dB, by class, CONF_VOLUME_MIN..MAX; 0 when not set */
	unsigned volume_set;		/* bit (1 << class): volume[class] was written */
};

/* TLS to the broker: the three files together, or none (plain MQTT, for a lab). */
struct cfg_tls {
	char	ca[PATH_MAX];		/* absolute; "": no TLS */
	char	cert[PATH_MAX];		/* the station's certificate (CN = its id) */
	char	key[PATH_MAX];		/* its private key */
};

struct cfg_mqtt {
	char	host[256];
	int	port;			/* 1..65535 */
	int	keepalive;		/* seconds, 5..3600 */
	int	status_interval;	/* seconds, 5..86400 */
	char	username[128];		/* for brokers that take passwords; "": none */
	char	password_file[PATH_MAX];	/* absolute; its first line is the password */
	struct cfg_tls tls;
};

/*
 * How long the as-run log is kept, and how many messages the outbox holds
 * at most. The outbox default is sized for well over 30 days offline: a busy
 * commune station airs about 20 slots a day of up to 5 bulletins plus a few
 * queued items, about 110 plays or 220 records a day (a started and an end
 * for each); hourly status telemetry adds 24. That is about 7,300 messages
 * in 30 days; 20,000 covers 80 days of it, or 30 days of a station three
 * times as busy, in about 12 MB of SD card at 600 bytes a message.
 */
#define CONF_ASRUN_DAYS_DEFAULT	90
#define CONF_OUTBOX_MAX_DEFAULT	20000

struct cfg_storage {
	char	dir[PATH_MAX];		/* absolute */
	int	asrun_days;		/* the as-run log is kept this long, 1..3650 (90) */
	int	outbox_max;		/* unsent reports kept, 100..1000000 */
};

struct cfg_control {
	char	socket[108];		/* absolute; fits sockaddr_un.sun_path */
};

struct cfg_schedule {
	char	file[PATH_MAX];		/* absolute; file[0] == 0: none, queue only */
	int	grace;			/* seconds a late slot may still start, 0..86400 */
};

struct cfg_district {
	char	public_key[PATH_MAX];	/* absolute; checked when loaded; "" : no district schedule */
	int	test_alerts_sound;		/* test alerts sound aloud (default: silent) */
	char	secret_key[PATH_MAX];	/* a district office's file only: the signing key */
};

/*
 * The district's proof-of-play collector (loaxa-collectd), in a district
 * office's file only: where it keeps what the stations reported, and how
 * long the broker keeps its session (and queues the stations' reports for
 * it) while it is away.
 */
#define CONF_SESSION_EXPIRY_DEFAULT	(30 * 86400)

struct cfg_collector {
	char	database[PATH_MAX];	/* absolute; "": no collector group */
	int	session_expiry;		/* seconds, 3600..31536000 (30 days) */
};

/*
 * How a recording becomes a bulletin ('loaxactl import', and queue, publish
 * and alert for anything that is not Ogg Opus at the loudness wanted):
 * README.md, "Bringing in a recording", says why these defaults.
 */
#define CONF_LOUDNESS_DEFAULT	(-16)	/* LUFS, integrated */
#define CONF_TRUE_PEAK_DEFAULT	(-1)	/* dBTP */
#define CONF_BITRATE_DEFAULT	32	/* kbit/s, mono speech */
#define CONF_MAX_MINUTES_DEFAULT 60

struct cfg_import {
	int	loudness;		/* LUFS, -30..-10 */
	int	true_peak;		/* dBTP, -6..0 */
	int	bitrate;		/* kbit/s, 16..128 */
	int	max_minutes;		/* the longest recording taken, 1..240 */
};

/* Relaying a stream (a schedule's relay slot, or the district's live broadcast). */
#define CONF_STALL_DEFAULT	5	/* seconds */

struct cfg_relay {
	int	stall;			/* seconds without data before the stream is away, 1..60 */
};

/*
 * The district's stream server (Icecast) that 'loaxactl live' sends the
 * office's live broadcasts to, in a district office's file only: its address
 * (http:// or https://; https is checked against mqtt.tls.ca) and the file
 * holding its source password, which never appears on a command line.
 */
struct cfg_live {
	char	server[1024];		/* "": no live group; else checked by stream_url_check */
	char	password_file[PATH_MAX];	/* absolute */
};

/*
 * A new group is a struct here, a member below, and in conf_table.c a table
 * of its settings, a line in groups[] and its defaults in conf_defaults().
 */
struct config {
	char	path[PATH_MAX];		/* the file it was read from (or the name given) */
	/*
	 * 1: a district office's file (district.cfg: 'loaxactl -c' as the
	 * district's publisher or monitor), with a district group that names the
	 * region (kept in station.region) and no station, audio or storage
	 * groups. loaxad refuses it.
	 */
	int	office;
	struct cfg_station  station;
	struct cfg_audio    audio;
	struct cfg_mqtt     mqtt;
	struct cfg_storage  storage;
	struct cfg_control  control;
	struct cfg_schedule schedule;
	struct cfg_district district;
	struct cfg_collector collector;	/* a district office's file only */
	struct cfg_import   import;
	struct cfg_relay    relay;	/* a station's file only */
	struct cfg_live     live;		/* a district office's file only */
};

/* Every setting that has a default gets it; the required ones are emptied. */
void	conf_defaults(struct config *);
/*
 * Reads and checks the file at path. Relative paths in it are taken from
 * the file's directory. 0, or -EINVAL with every problem in errs (which may
 * be NULL); on failure *out is left untouched, so a failed reload keeps the
 * running configuration.
 */
int	conf_load(const char *path, struct config *out, struct errlist *errs);
/* The same over text; name is used in messages, basedir for relative paths (NULL: cwd). */
int	conf_parse_string(const char *text, const char *name, const char *basedir,
	    struct config *out, struct errlist *errs);

/* --- Checking helpers for libconfig files ------------------------------ */

struct conf_ctx {
	const char	*name;		/* the file, for messages when libconfig has none */
	struct errlist	*errs;		/* may be NULL: problems are then only counted */
	size_t		 n_errors;
};

/*
 * Records "FILE:LINE: SETTING: reason". SETTING is the dotted path of s
 * (list elements as [i], e.g. slots.[1].items.[0].file), followed by
 * ".key" when key != NULL (a missing setting, shown at its group's line).
 * Returns -EINVAL, so that checks can `return conf_err(...)`.
 */
int	conf_err(struct conf_ctx *, const config_setting_t *s, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Parses text into cf (include_dir = basedir); a syntax error is recorded.
 * Whole numbers too large for an int are marked, so that conf_int() refuses
 * them. 0 or -EINVAL.
 */
int	conf_read(struct conf_ctx *, config_t *cf, const char *text, const char *basedir);
/* Records each member of grp not named in known (NULL-terminated), with a suggestion. */
void	conf_check_keys(struct conf_ctx *, const config_setting_t *grp, const char *const *known);
/*
 * The member key of parent when it is a group. NULL when absent (recorded if
 * required) or not a group (recorded).
 */
const config_setting_t *conf_group(struct conf_ctx *, const config_setting_t *parent,
	    const char *key, int required, const char *example);
/*
 * A whole number in lo..hi. Absent: *out is kept, 0 (or recorded when
 * required). Returns 0, 1 when set, or -EINVAL once recorded.
 */
int	conf_int(struct conf_ctx *, const config_setting_t *grp, const char *key,
	    long long lo, long long hi, int required, long long *out);
/*
 * A string of 1..maxlen bytes of valid UTF-8 without control characters.
 * *out points into cf's storage. Absent: 0 (or recorded when required).
 * Returns 0, 1 when set, or -EINVAL once recorded.
 */
int	conf_text(struct conf_ctx *, const config_setting_t *grp, const char *key,
	    size_t maxlen, int required, const char *example, const char **out);
/*
 * A volume in decibels (a whole or a decimal number, e.g. -6 or 3.5) in
 * CONF_VOLUME_MIN..CONF_VOLUME_MAX. Absent: 0. Returns 0, 1 when set, or
 * -EINVAL once recorded.
 */
int	conf_volume(struct conf_ctx *, const config_setting_t *grp, const char *key, double *out);
/* Checks that s is a string; records the problem otherwise. 0 or -EINVAL. */
int	conf_is_string(struct conf_ctx *, const config_setting_t *s, const char *example);

/* 1 when s is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
int	conf_utf8_valid(const char *s);
/*
 * 1 when s is fit for a title or a name anywhere (the schedule, the control
 * socket, signed messages): valid UTF-8 without control characters, so that
 * it can forge no line in a log and move no cursor on a terminal. The one
 * check of such text.
 */
int	conf_text_clean(const char *s);
/* Makes s clean in place for a terminal: each invalid byte or control character becomes '?'. */
void	conf_text_defang(char *s);
/* s made safe to quote in a message: bounded, bad bytes and control characters as '?'. */
void	conf_quote(const char *s, char *buf, size_t len);
/* The known name closest to name within a small edit distance, or NULL. */
const char *conf_suggest(const char *name, const char *const *known);
/* path made absolute against basedir (NULL: cwd) into out. 0 or -ENAMETOOLONG/-errno. */
int	conf_path_resolve(const char *basedir, const char *path, char *out, size_t len);
/* The absolute directory that holds file. 0 or -errno. */
int	conf_basedir(const char *file, char *out, size_t len);
/*
 * 1 when s is a station or region id: 1 to 63 lowercase letters, digits and
 * hyphens, not starting with a hyphen. Ids name MQTT topic levels.
 */
int	conf_id_valid(const char *s);

#endif
