/*
 * The station configuration's settings: a table of every group and setting
 * with its type, range and example, their defaults, and the parse of a
 * libconfig tree into struct config driven by that table.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/conf.h"
#include "config/conf_int.h"
#include "config/i18n.h"
#include "config/keys.h"
#include "config/readfile.h"
#include "config/stream_url.h"

/*
 * K_PUBKEY: a path to a district public key file, read and checked here.
 * K_GROUP: a group inside the group (mqtt.tls), with its own table in sub.
 * K_CHIME: "none", "default" or an audio file (struct cfg_chime).
 * K_VOLUME: decibels into a double; lo is the class, for audio.volume_set.
 */
enum key_kind { K_ID, K_TEXT, K_PATH, K_INT, K_UINT, K_RATE, K_PUBKEY, K_BOOL, K_GROUP,
	K_CHIME, K_VOLUME };

struct conf_group_def;

struct conf_key {
	const char	*name;
	enum key_kind	 kind;
	size_t		 off;		/* in struct config */
	size_t		 size;		/* of the field */
	long long	 lo, hi;	/* numbers: the range; K_TEXT: hi is the longest */
	int		 required;
	const char	*example;
	const struct conf_group_def *sub;	/* K_GROUP only */
};

struct conf_group_def {
	const char	*name;
	const struct conf_key *keys;
	const char	*example;
	int		 optional;	/* absent is fine, though its keys are required when it is there */
};

#define FIELD(g, f)	offsetof(struct config, g.f), sizeof(((struct config *)0)->g.f)

static const struct conf_key station_keys[] = {
	{ "id", K_ID, FIELD(station, id), 0, 0, 1, "id = \"tan-thanh\";", NULL },
	{ "region", K_ID, FIELD(station, region), 0, 0, 1, "region = \"hon-quan\";", NULL },
	{ "name", K_TEXT, FIELD(station, name), 0, CONF_TEXT_MAX, 1,
	    "name = \"Đài truyền thanh xã Tân Thành\";", NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

#define CHIME_EX	"chime = { normal = \"default\"; emergency = \"default\"; };"

static const struct conf_key chime_keys[] = {
	{ "normal", K_CHIME, FIELD(audio, chime[0]), 0, 0, 0, CHIME_EX, NULL },
	{ "priority", K_CHIME, FIELD(audio, chime[1]), 1, 0, 0, CHIME_EX, NULL },
	{ "emergency", K_CHIME, FIELD(audio, chime[2]), 2, 0, 0, CHIME_EX, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

static const struct conf_group_def chime_group = { "chime", chime_keys, CHIME_EX, 0 };

static const struct conf_key volume_keys[] = {
	{ "normal", K_VOLUME, FIELD(audio, volume[0]), 0, 0, 0, NULL, NULL },
	{ "priority", K_VOLUME, FIELD(audio, volume[1]), 1, 0, 0, NULL, NULL },
	{ "emergency", K_VOLUME, FIELD(audio, volume[2]), 2, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

static const struct conf_group_def volume_group = { "volume", volume_keys,
	"volume = { normal = 0; emergency = 6; };", 0 };

static const struct conf_key audio_keys[] = {
	{ "device", K_TEXT, FIELD(audio, device), 0, 255, 0, "device = \"default\";", NULL },
	{ "rate", K_RATE, FIELD(audio, rate), 0, 0, 0, "rate = 48000;", NULL },
	{ "channels", K_UINT, FIELD(audio, channels), 1, 2, 0, NULL, NULL },
	{ "buffer_ms", K_UINT, FIELD(audio, buffer_ms), 20, 2000, 0, NULL, NULL },
	{ "mixer", K_TEXT, FIELD(audio, mixer), 0, 63, 0, "mixer = \"hw:0\";", NULL },
	{ "mixer_control", K_TEXT, FIELD(audio, mixer_control), 0, 63, 0,
	    "mixer_control = \"Master\";", NULL },
	{ "emergency_volume", K_INT, FIELD(audio, emergency_volume), 0, 100, 0, NULL, NULL },
	{ "chime", K_GROUP, 0, 0, 0, 0, 0, NULL, &chime_group },
	{ "volume", K_GROUP, 0, 0, 0, 0, 0, NULL, &volume_group },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

static const struct conf_key tls_keys[] = {
	{ "ca", K_PATH, FIELD(mqtt, tls.ca), 0, 0, 1, "ca = \"/etc/loaxa/ca.crt\";", NULL },
	{ "cert", K_PATH, FIELD(mqtt, tls.cert), 0, 0, 1, "cert = \"/etc/loaxa/station.crt\";", NULL },
	{ "key", K_PATH, FIELD(mqtt, tls.key), 0, 0, 1, "key = \"/etc/loaxa/station.key\";", NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

static const struct conf_group_def tls_group = { "tls", tls_keys,
	"tls = { ca = \"ca.crt\"; cert = \"station.crt\"; key = \"station.key\"; };", 0 };

static const struct conf_key mqtt_keys[] = {
	{ "host", K_TEXT, FIELD(mqtt, host), 0, 255, 0, "host = \"127.0.0.1\";", NULL },
	{ "port", K_INT, FIELD(mqtt, port), 1, 65535, 0, NULL, NULL },
	{ "keepalive", K_INT, FIELD(mqtt, keepalive), 5, 3600, 0, NULL, NULL },
	{ "status_interval", K_INT, FIELD(mqtt, status_interval), 5, 86400, 0, NULL, NULL },
	{ "username", K_TEXT, FIELD(mqtt, username), 0, 127, 0, "username = \"tan-thanh\";", NULL },
	{ "password_file", K_PATH, FIELD(mqtt, password_file), 0, 0, 0,
	    "password_file = \"/etc/loaxa/mqtt.password\";", NULL },
	{ "tls", K_GROUP, 0, 0, 0, 0, 0, NULL, &tls_group },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

static const struct conf_key storage_keys[] = {
	{ "dir", K_PATH, FIELD(storage, dir), 0, 0, 1, "dir = \"/var/lib/loaxa\";", NULL },
	{ "asrun_days", K_INT, FIELD(storage, asrun_days), 1, 3650, 0, NULL, NULL },
	{ "outbox_max", K_INT, FIELD(storage, outbox_max), 100, 1000000, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

static const struct conf_key control_keys[] = {
	{ "socket", K_PATH, FIELD(control, socket), 0, 0, 0,
	    "socket = \"/run/loaxa/control.sock\";", NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

static const struct conf_key schedule_keys[] = {
	{ "file", K_PATH, FIELD(schedule, file), 0, 0, 0, "file = \"/etc/loaxa/schedule.cfg\";", NULL },
	{ "grace", K_INT, FIELD(schedule, grace), 0, 86400, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

static const struct conf_key district_keys[] = {
	{ "public_key", K_PUBKEY, FIELD(district, public_key), 0, 0, 0,
	    "public_key = \"/etc/loaxa/district.pub\";", NULL },
	{ "test_alerts_sound", K_BOOL, FIELD(district, test_alerts_sound), 0, 0, 0,
	    "test_alerts_sound = false;", NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

/* A district office's district group: which region it speaks for, with which key. */
static const struct conf_key office_keys[] = {
	{ "region", K_ID, FIELD(station, region), 0, 0, 1, "region = \"hon-quan\";", NULL },
	{ "secret_key", K_PATH, FIELD(district, secret_key), 0, 0, 0,
	    "secret_key = \"/srv/loaxa/keys/district.key\";", NULL },
	{ "public_key", K_PUBKEY, FIELD(district, public_key), 0, 0, 0,
	    "public_key = \"/srv/loaxa/district.pub\";", NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

/* The proof-of-play collector's own settings (loaxa-collectd), beside the office's. */
static const struct conf_key collector_keys[] = {
	{ "database", K_PATH, FIELD(collector, database), 0, 0, 1,
	    "database = \"/var/lib/loaxa-collector/collector.db\";", NULL },
	{ "session_expiry", K_INT, FIELD(collector, session_expiry), 3600, 31536000, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

/* Both kinds of file: the station's operator queues, the district office publishes. */
static const struct conf_key import_keys[] = {
	{ "loudness", K_INT, FIELD(import, loudness), -30, -10, 0, "loudness = -16;", NULL },
	{ "true_peak", K_INT, FIELD(import, true_peak), -6, 0, 0, "true_peak = -1;", NULL },
	{ "bitrate", K_INT, FIELD(import, bitrate), 16, 128, 0, "bitrate = 32;", NULL },
	{ "max_minutes", K_INT, FIELD(import, max_minutes), 1, 240, 0, "max_minutes = 60;", NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

static const struct conf_key relay_keys[] = {
	{ "stall", K_INT, FIELD(relay, stall), 1, 60, 0, "stall = 5;", NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

/* The district's stream server for 'loaxactl live' (a district office's file). */
static const struct conf_key live_keys[] = {
	{ "server", K_TEXT, FIELD(live, server), 0, STREAM_URL_MAX, 1,
	    "server = \"https://stream.huyen.example:8443\";", NULL },
	{ "password_file", K_PATH, FIELD(live, password_file), 0, 0, 1,
	    "password_file = \"stream/source.password\";", NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL },
};

#define IMPORT_GROUP { "import", import_keys, "import = { loudness = -16; bitrate = 32; };", 1 }

static const struct conf_group_def office_groups[] = {
	{ "mqtt", mqtt_keys, "mqtt = { host = \"broker.huyen\"; port = 8883; };", 0 },
	{ "district", office_keys, "district = { region = \"hon-quan\"; };", 0 },
	/* Only loaxa-collectd's file has it; loaxactl's do not. */
	{ "collector", collector_keys, "collector = { database = "
	    "\"/var/lib/loaxa-collector/collector.db\"; };", 1 },
	IMPORT_GROUP,
	{ "live", live_keys, "live = { server = \"https://stream.huyen.example:8443\"; "
	    "password_file = \"stream/source.password\"; };", 1 },
	{ NULL, NULL, NULL, 0 },
};

static const struct conf_group_def groups[] = {
	{ "station", station_keys, "station = { id = \"tan-thanh\"; region = \"hon-quan\"; "
	    "name = \"Đài truyền thanh xã Tân Thành\"; };", 0 },
	{ "audio", audio_keys, "audio = { device = \"default\"; };", 0 },
	{ "mqtt", mqtt_keys, "mqtt = { host = \"127.0.0.1\"; };", 0 },
	{ "storage", storage_keys, "storage = { dir = \"/var/lib/loaxa\"; };", 0 },
	{ "control", control_keys, "control = { socket = \"/run/loaxa/control.sock\"; };", 0 },
	{ "schedule", schedule_keys, "schedule = { file = \"schedule.cfg\"; };", 0 },
	{ "district", district_keys, "district = { public_key = \"/etc/loaxa/district.pub\"; };", 0 },
	{ "relay", relay_keys, "relay = { stall = 5; };", 0 },
	IMPORT_GROUP,
	{ NULL, NULL, NULL, 0 },
};

void
conf_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	(void)snprintf(c->audio.device, sizeof(c->audio.device), "default");
	c->audio.rate = 48000;
	c->audio.channels = 1;
	c->audio.buffer_ms = 250;
	(void)snprintf(c->audio.mixer_control, sizeof(c->audio.mixer_control), "Master");
	c->audio.emergency_volume = 100;
	(void)snprintf(c->mqtt.host, sizeof(c->mqtt.host), "127.0.0.1");
	c->mqtt.port = 1883;
	c->mqtt.keepalive = 60;
	c->mqtt.status_interval = 60;
	(void)snprintf(c->control.socket, sizeof(c->control.socket), "/run/loaxa/control.sock");
	c->schedule.grace = 600;
	c->storage.asrun_days = CONF_ASRUN_DAYS_DEFAULT;
	c->storage.outbox_max = CONF_OUTBOX_MAX_DEFAULT;
	c->collector.session_expiry = CONF_SESSION_EXPIRY_DEFAULT;
	c->import.loudness = CONF_LOUDNESS_DEFAULT;
	c->import.true_peak = CONF_TRUE_PEAK_DEFAULT;
	c->import.bitrate = CONF_BITRATE_DEFAULT;
	c->import.max_minutes = CONF_MAX_MINUTES_DEFAULT;
	c->relay.stall = CONF_STALL_DEFAULT;
}

/* The station refuses to start with a district key it cannot use: say why now. */
static void
check_public_key(struct conf_ctx *ctx, const config_setting_t *s, const char *path)
{
	unsigned char pk[KEYS_PUBLIC_BYTES];
	char why[256];

	if (keys_load_public(path, pk, why, sizeof(why)) < 0)
		conf_err(ctx, s, NULL, "%s", why);
}

static void
set_string(const struct conf_key *k, const config_setting_t *grp, struct conf_ctx *ctx,
    const char *basedir, struct config *c)
{
	char *field = (char *)c + k->off, q[128];
	const char *v;
	int rc;

	if (conf_text(ctx, grp, k->name, k->kind == K_TEXT ? (size_t)k->hi : PATH_MAX,
	    k->required, k->example, &v) <= 0)
		return;
	if (k->kind == K_ID && !conf_id_valid(v)) {
		conf_quote(v, q, sizeof(q));
		conf_err(ctx, config_setting_get_member(grp, k->name), NULL,
		    _("\"%s\" is not a valid id; use 1 to 63 lowercase letters a-z, digits and "
		    "'-', not starting with '-', e.g. %s"), q, k->example);
		return;
	}
	if (k->kind != K_PATH && k->kind != K_PUBKEY) {
		(void)snprintf(field, k->size, "%s", v);	/* the checks above make it fit */
		return;
	}
	rc = conf_path_resolve(basedir, v, field, k->size);
	if (rc == 0 && k->kind == K_PUBKEY)
		check_public_key(ctx, config_setting_get_member(grp, k->name), field);
	else if (rc == -ENAMETOOLONG)
		conf_err(ctx, config_setting_get_member(grp, k->name), NULL,
		    _("the path is too long once made absolute; use one shorter than %zu bytes"),
		    k->size);
	else if (rc < 0)
		conf_err(ctx, config_setting_get_member(grp, k->name), NULL,
		    _("cannot make the path absolute: %s; write it starting with '/'"),
		    strerror(-rc));
}

/* A chime file must be there and readable now; whether it plays is chime.c's to say. */
static void
check_chime_file(struct conf_ctx *ctx, const config_setting_t *s, const char *path)
{
	char q[160];
	int fd = readfile_open(path), err = -fd;

	if (fd >= 0) {
		close(fd);
		return;
	}
	conf_quote(path, q, sizeof(q));
	if (err == ENOENT || err == ENOTDIR)
		conf_err(ctx, s, NULL, _("the chime \"%s\" does not exist; copy an Ogg Opus file "
		    "there, correct the name, or write \"default\" or \"none\""), q);
	else if (err == EINVAL || err == EISDIR)
		conf_err(ctx, s, NULL, _("the chime \"%s\" is not a regular file; name an Ogg "
		    "Opus file, or write \"default\" or \"none\""), q);
	else
		conf_err(ctx, s, NULL, _("the chime \"%s\" cannot be read: %s; let loaxa read it "
		    "(e.g. chmod a+r)"), q, strerror(err));
}

/* "none", "default", or a file (relative to the configuration's directory). */
static void
set_chime(const struct conf_key *k, const config_setting_t *grp, struct conf_ctx *ctx,
    const char *basedir, struct config *c)
{
	struct cfg_chime *ch = (struct cfg_chime *)(void *)((char *)c + k->off);
	const config_setting_t *s = config_setting_get_member(grp, k->name);
	char path[256];
	const char *v;
	int rc;

	if (conf_text(ctx, grp, k->name, PATH_MAX, 0, k->example, &v) <= 0)
		return;
	conf_setting_path(s, path, sizeof(path));
	(void)snprintf(ch->where, sizeof(ch->where), "%s:%u: %s",
	    config_setting_source_file(s) != NULL ? config_setting_source_file(s) : ctx->name,
	    config_setting_source_line(s), path);
	if (strcmp(v, "none") == 0) {
		ch->kind = CHIME_NONE;
		return;
	}
	if (strcmp(v, "default") == 0) {
		ch->kind = CHIME_DEFAULT;
		return;
	}
	ch->kind = CHIME_FILE;
	if ((rc = conf_path_resolve(basedir, v, ch->file, sizeof(ch->file))) < 0) {
		conf_err(ctx, s, NULL, _("the path is too long or cannot be made absolute: %s"),
		    strerror(-rc));
		return;
	}
	check_chime_file(ctx, s, ch->file);
}

static void
set_volume(const struct conf_key *k, const config_setting_t *grp, struct conf_ctx *ctx,
    struct config *c)
{
	if (conf_volume(ctx, grp, k->name, (double *)(void *)((char *)c + k->off)) == 1)
		c->audio.volume_set |= 1u << k->lo;
}

static void
set_bool(const struct conf_key *k, const config_setting_t *grp, struct conf_ctx *ctx,
    struct config *c)
{
	const config_setting_t *s = config_setting_get_member(grp, k->name);

	if (s == NULL)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(ctx, s, NULL, _("must be true or false, e.g. %s"), k->example);
		return;
	}
	*(int *)(void *)((char *)c + k->off) = config_setting_get_bool(s);
}

static void
set_number(const struct conf_key *k, const config_setting_t *grp, struct conf_ctx *ctx,
    struct config *c)
{
	static const unsigned rates[] = { 48000, 8000, 12000, 16000, 24000 };
	long long v;
	size_t i;

	if (k->kind != K_RATE) {
		if (conf_int(ctx, grp, k->name, k->lo, k->hi, k->required, &v) <= 0)
			return;
		if (k->kind == K_UINT)
			*(unsigned *)(void *)((char *)c + k->off) = (unsigned)v;
		else
			*(int *)(void *)((char *)c + k->off) = (int)v;
		return;
	}
	if (conf_int(ctx, grp, k->name, LLONG_MIN, LLONG_MAX, k->required, &v) <= 0)
		return;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (v == rates[i]) {
			*(unsigned *)(void *)((char *)c + k->off) = rates[i];
			return;
		}
	conf_err(ctx, config_setting_get_member(grp, k->name), NULL,
	    _("%lld is not a rate the station can play; use 48000 (or 8000, 12000, 16000, 24000)"),
	    v);
}

static int
group_required(const struct conf_group_def *g)
{
	const struct conf_key *k;

	for (k = g->keys; k->name != NULL; k++)
		if (k->required)
			return 1;
	return 0;
}

/* A group whose keys are required is itself required, unless it sits inside another. */
static void
parse_group(struct conf_ctx *ctx, const config_setting_t *root, const struct conf_group_def *gd,
    int nested, const char *basedir, struct config *c)
{
	const char *known[16];
	const config_setting_t *g;
	const struct conf_key *k;
	size_t n = 0;

	if ((g = conf_group(ctx, root, gd->name, !nested && !gd->optional && group_required(gd),
	    gd->example)) == NULL)
		return;
	for (k = gd->keys; k->name != NULL && n < 15; k++)
		known[n++] = k->name;
	known[n] = NULL;
	conf_check_keys(ctx, g, known);
	for (k = gd->keys; k->name != NULL; k++) {
		if (k->kind == K_GROUP)
			parse_group(ctx, g, k->sub, 1, basedir, c);
		else if (k->kind == K_ID || k->kind == K_TEXT || k->kind == K_PATH ||
		    k->kind == K_PUBKEY)
			set_string(k, g, ctx, basedir, c);
		else if (k->kind == K_BOOL)
			set_bool(k, g, ctx, c);
		else if (k->kind == K_CHIME)
			set_chime(k, g, ctx, basedir, c);
		else if (k->kind == K_VOLUME)
			set_volume(k, g, ctx, c);
		else
			set_number(k, g, ctx, c);
	}
}

/*
 * A district office's file has no station group and names its region in
 * the district group; a station's file always has a station group.
 */
static int
is_office(const config_setting_t *root)
{
	const config_setting_t *d = config_setting_get_member(root, "district");

	return config_setting_get_member(root, "station") == NULL && d != NULL &&
	    config_setting_type(d) == CONFIG_TYPE_GROUP &&
	    config_setting_get_member(d, "region") != NULL;
}

/* What no single setting can say: the settings that only work together. */
static void
check_together(struct conf_ctx *ctx, const config_setting_t *root, const struct config *c)
{
	const config_setting_t *mqtt = config_setting_get_member(root, "mqtt");
	const config_setting_t *live = config_setting_get_member(root, "live");
	char why[256];

	if (live != NULL && c->live.server[0] != '\0' &&
	    stream_url_check(c->live.server, why, sizeof(why)) < 0)
		conf_err(ctx, config_setting_get_member(live, "server"), NULL, "%s", why);
	if (mqtt == NULL)
		return;
	if ((c->mqtt.username[0] != '\0') != (c->mqtt.password_file[0] != '\0'))
		conf_err(ctx, mqtt, NULL, _("username and password_file go together: give "
		    "both, or neither (a broker with client certificates needs neither)"));
}

void
conf_parse_root(struct conf_ctx *ctx, const config_setting_t *root, const char *basedir,
    struct config *c)
{
	const struct conf_group_def *defs = groups;
	const char *known[16];
	size_t n = 0;

	if (is_office(root)) {
		c->office = 1;
		defs = office_groups;
	}
	for (n = 0; defs[n].name != NULL && n < 15; n++)
		known[n] = defs[n].name;
	known[n] = NULL;
	conf_check_keys(ctx, root, known);
	for (n = 0; defs[n].name != NULL; n++)
		parse_group(ctx, root, &defs[n], 0, basedir, c);
	check_together(ctx, root, c);
}
