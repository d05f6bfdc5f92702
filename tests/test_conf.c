/*
 * The station configuration: good files give the right values, and every
 * kind of mistake gives the exact "file:line: setting: reason" text.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/conf.h"
#include "config/keys.h"
#include "config/schedule.h"
#include "daemon/loaxactl/keygen.h"
#include "tests/t.h"

#define GOOD_STATION	"station = { id = \"tan-thanh\"; region = \"hon-quan\"; " \
			"name = \"Đài truyền thanh xã Tân Thành\"; };\n"
#define GOOD_STORAGE	"storage = { dir = \"/var/lib/loaxa\"; };\n"

static char tmpdir[PATH_MAX];

/* Parses text as "t.cfg" in /etc/loaxa and returns the number of problems. */
static size_t
parse(const char *text, struct config *c, struct errlist *el)
{
	errlist_init(el);
	conf_defaults(c);
	if (conf_parse_string(text, "t.cfg", "/etc/loaxa", c, el) == 0) {
		T_EQ_INT(errlist_count(el), 0);
		return 0;
	}
	T_ASSERT(errlist_count(el) > 0);
	return errlist_count(el);
}

/* The text must give exactly one problem, worded exactly so. */
static void
one_error(const char *text, const char *expected)
{
	struct config c;
	struct errlist el;

	T_EQ_INT(parse(text, &c, &el), 1);
	if (el.n == 1)
		T_EQ_STR(el.msg[0], expected);
	errlist_clear(&el);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	T_ASSERT(fp != NULL);
	if (fp == NULL)
		return;
	fputs(text, fp);
	fclose(fp);
}

static void
test_example_file(void)
{
	struct config c;
	struct errlist el;
	char cwd[PATH_MAX], want[PATH_MAX + 64];

	errlist_init(&el);
	T_EQ_INT(conf_load("config/loaxa.cfg.example", &c, &el), 0);
	errlist_print(&el, "  ", stderr);
	T_ASSERT(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(want, sizeof(want), "%s/config/loaxa.cfg.example", cwd);
	T_EQ_STR(c.path, want);
	T_EQ_STR(c.station.id, "tan-thanh");
	T_EQ_STR(c.station.region, "hon-quan");
	T_EQ_STR(c.station.name, "Đài truyền thanh xã Tân Thành");
	T_EQ_STR(c.audio.device, "default");
	T_EQ_INT(c.audio.rate, 48000);
	T_EQ_STR(c.storage.dir, "/var/lib/loaxa");
	T_EQ_STR(c.schedule.file, "/etc/loaxa/schedule.cfg");
	T_EQ_INT(c.schedule.grace, 600);
	errlist_clear(&el);
}

static void
test_every_setting(void)
{
	struct config c;
	struct errlist el;

	T_EQ_INT(parse(
	    "station = { id = \"xa-9\"; region = \"0d\"; name = \"Xã Hòa Bình\"; };\n"
	    "audio = { device = \"plughw:1,0\"; rate = 16000; channels = 2; buffer_ms = 2000; };\n"
	    "mqtt = { host = \"district.example\"; port = 8883; keepalive = 3600;\n"
	    "  status_interval = 5; };\n"
	    "storage = { dir = \"/srv/loaxa\"; };\n"
	    "control = { socket = \"/tmp/loaxa.sock\"; };\n"
	    "schedule = { file = \"/srv/lịch phát.cfg\"; grace = 0; };\n", &c, &el), 0);
	T_EQ_STR(c.path, "t.cfg");
	T_EQ_STR(c.station.id, "xa-9");
	T_EQ_STR(c.station.region, "0d");
	T_EQ_STR(c.station.name, "Xã Hòa Bình");
	T_EQ_STR(c.audio.device, "plughw:1,0");
	T_EQ_INT(c.audio.rate, 16000);
	T_EQ_INT(c.audio.channels, 2);
	T_EQ_INT(c.audio.buffer_ms, 2000);
	T_EQ_STR(c.mqtt.host, "district.example");
	T_EQ_INT(c.mqtt.port, 8883);
	T_EQ_INT(c.mqtt.keepalive, 3600);
	T_EQ_INT(c.mqtt.status_interval, 5);
	T_EQ_STR(c.storage.dir, "/srv/loaxa");
	T_EQ_STR(c.control.socket, "/tmp/loaxa.sock");
	T_EQ_STR(c.schedule.file, "/srv/lịch phát.cfg");
	T_EQ_INT(c.schedule.grace, 0);
	/* 64-bit literals are whole numbers too. */
	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE "mqtt = { port = 1884L; };", &c, &el), 0);
	T_EQ_INT(c.mqtt.port, 1884);
}

static void
test_defaults(void)
{
	struct config c;
	struct errlist el;

	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE "audio = { };", &c, &el), 0);
	T_EQ_STR(c.audio.device, "default");
	T_EQ_INT(c.audio.rate, 48000);
	T_EQ_INT(c.audio.channels, 1);
	T_EQ_INT(c.audio.buffer_ms, 250);
	T_EQ_STR(c.mqtt.host, "127.0.0.1");
	T_EQ_INT(c.mqtt.port, 1883);
	T_EQ_INT(c.mqtt.keepalive, 60);
	T_EQ_INT(c.mqtt.status_interval, 60);
	T_EQ_STR(c.control.socket, "/run/loaxa/control.sock");
	T_EQ_STR(c.schedule.file, "");		/* no local schedule */
	T_EQ_INT(c.schedule.grace, 600);
	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE "schedule = { grace = 30; };", &c, &el), 0);
	T_EQ_STR(c.schedule.file, "");
	T_EQ_INT(c.schedule.grace, 30);
}

/* The as-run retention and the outbox bound: defaults, values, ranges, typos. */
static void
test_storage_limits(void)
{
	struct config c;
	struct errlist el;

	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE, &c, &el), 0);
	T_EQ_INT(c.storage.asrun_days, 90);
	T_EQ_INT(c.storage.outbox_max, 20000);
	T_EQ_INT(parse(GOOD_STATION "storage = { dir = \"/srv/loaxa\"; asrun_days = 365;\n"
	    "  outbox_max = 100000; };", &c, &el), 0);
	T_EQ_INT(c.storage.asrun_days, 365);
	T_EQ_INT(c.storage.outbox_max, 100000);
	one_error(GOOD_STATION "storage = { dir = \"/srv\"; asrun_days = 0; };",
	    "t.cfg:2: storage.asrun_days: 0 is out of range; use a whole number from 1 to 3650");
	one_error(GOOD_STATION "storage = { dir = \"/srv\";\n outbox_max = 99; };",
	    "t.cfg:3: storage.outbox_max: 99 is out of range; use a whole number from 100 "
	    "to 1000000");
	one_error(GOOD_STATION "storage = { dir = \"/srv\"; asrun_days = \"90\"; };",
	    "t.cfg:2: storage.asrun_days: must be a whole number without quotes, from 1 to 3650");
	T_EQ_INT(parse(GOOD_STATION "storage = { dir = \"/srv\"; outbox_mx = 500; };", &c, &el), 1);
	if (el.n == 1)
		T_CONTAINS(el.msg[0], "did you mean 'outbox_max'?");
	errlist_clear(&el);
}

static void
test_relative_paths(void)
{
	struct config c;
	struct errlist el;
	char path[PATH_MAX + 32], want[PATH_MAX + 32], cwd[PATH_MAX];

	T_EQ_INT(parse(GOOD_STATION "storage = { dir = \"state\"; };\n"
	    "control = { socket = \"./run/c.sock\"; };\n"
	    "schedule = { file = \"lịch/schedule.cfg\"; };\n", &c, &el), 0);
	T_EQ_STR(c.storage.dir, "/etc/loaxa/state");
	T_EQ_STR(c.control.socket, "/etc/loaxa/run/c.sock");
	T_EQ_STR(c.schedule.file, "/etc/loaxa/lịch/schedule.cfg");

	/* A real file: paths are taken from its own directory, not the cwd. */
	snprintf(path, sizeof(path), "%s/trạm xã.cfg", tmpdir);
	write_file(path, GOOD_STATION "storage = { dir = \"dữ liệu\"; };\n"
	    "schedule = { file = \"schedule.cfg\"; };\n");
	errlist_init(&el);
	T_EQ_INT(conf_load(path, &c, &el), 0);
	errlist_print(&el, "  ", stderr);
	snprintf(want, sizeof(want), "%s/dữ liệu", tmpdir);
	T_EQ_STR(c.storage.dir, want);
	snprintf(want, sizeof(want), "%s/schedule.cfg", tmpdir);
	T_EQ_STR(c.schedule.file, want);
	T_EQ_STR(c.path, path);
	errlist_clear(&el);
	unlink(path);

	/* No base directory: the current one. */
	T_ASSERT(getcwd(cwd, sizeof(cwd)) != NULL);
	errlist_init(&el);
	T_EQ_INT(conf_parse_string(GOOD_STATION "storage = { dir = \"st\"; };", "t.cfg", NULL,
	    &c, &el), 0);
	snprintf(want, sizeof(want), "%s/st", cwd);
	T_EQ_STR(c.storage.dir, want);
	errlist_clear(&el);
}

static void
test_missing_required(void)
{
	struct config c;
	struct errlist el;

	one_error("station = { region = \"hon-quan\"; name = \"Xã\"; };\n" GOOD_STORAGE,
	    "t.cfg:1: station.id: this required setting is missing; add it to station, "
	    "e.g. id = \"tan-thanh\";");
	one_error(GOOD_STATION "\nstorage = {\n};\n",
	    "t.cfg:3: storage.dir: this required setting is missing; add it to storage, "
	    "e.g. dir = \"/var/lib/loaxa\";");
	one_error(GOOD_STATION,
	    "t.cfg:1: storage: this required group is missing; add it, "
	    "e.g. storage = { dir = \"/var/lib/loaxa\"; };");
	/* An empty file misses everything required, each said once. */
	T_EQ_INT(parse("", &c, &el), 2);
	T_EQ_STR(el.msg[0], "t.cfg:1: station: this required group is missing; add it, e.g. "
	    "station = { id = \"tan-thanh\"; region = \"hon-quan\"; "
	    "name = \"Đài truyền thanh xã Tân Thành\"; };");
	T_CONTAINS(el.msg[1], "t.cfg:1: storage: this required group is missing");
	errlist_clear(&el);
}

static void
test_wrong_types(void)
{
	one_error(GOOD_STORAGE "station = { id = \"a\"; region = \"b\"; name = 5; };",
	    "t.cfg:2: station.name: must be text in double quotes, "
	    "e.g. name = \"Đài truyền thanh xã Tân Thành\";");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { port = \"1883\"; };",
	    "t.cfg:3: mqtt.port: must be a whole number without quotes, from 1 to 65535");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { keepalive = 60.5; };",
	    "t.cfg:3: mqtt.keepalive: must be a whole number from 5 to 3600");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { rate = true; };",
	    "t.cfg:3: audio.rate: must be a whole number");
	one_error(GOOD_STATION GOOD_STORAGE "audio = 5;",
	    "t.cfg:3: audio: must be a group of settings in braces, "
	    "e.g. audio = { device = \"default\"; };");
	one_error(GOOD_STATION "storage = [ \"/var/lib/loaxa\" ];",
	    "t.cfg:2: storage: must be a group of settings in braces, "
	    "e.g. storage = { dir = \"/var/lib/loaxa\"; };");
	one_error(GOOD_STATION GOOD_STORAGE "control = { socket = ( \"a\" ); };",
	    "t.cfg:3: control.socket: must be text in double quotes, "
	    "e.g. socket = \"/run/loaxa/control.sock\";");
}

static void
test_unknown_settings(void)
{
	one_error(GOOD_STATION GOOD_STORAGE "audio = {\n  devcie = \"default\"; };",
	    "t.cfg:4: audio.devcie: unknown setting 'devcie' in audio; did you mean 'device'?");
	one_error(GOOD_STATION GOOD_STORAGE "mqqt = { };",
	    "t.cfg:3: mqqt: unknown setting 'mqqt'; did you mean 'mqtt'?");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { volme = 11; };",
	    "t.cfg:3: audio.volme: unknown setting 'volme' in audio; did you mean 'volume'?");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { gain = 11; };",
	    "t.cfg:3: audio.gain: unknown setting 'gain' in audio; remove it or correct "
	    "its name (known here: device, rate, channels, buffer_ms, mixer, mixer_control, "
	    "emergency_volume, chime, volume)");
	one_error(GOOD_STATION GOOD_STORAGE "logging = 1;",
	    "t.cfg:3: logging: unknown setting 'logging' in the file; remove it or correct its "
	    "name (known here: station, audio, mqtt, storage, control, schedule, district, relay, import)");
	one_error(GOOD_STATION GOOD_STORAGE "schedule = { Grace = 5; };",
	    "t.cfg:3: schedule.Grace: unknown setting 'Grace' in schedule; did you mean 'grace'?");
}

static void
test_out_of_range(void)
{
	one_error(GOOD_STATION GOOD_STORAGE "audio = { rate = 44100; };",
	    "t.cfg:3: audio.rate: 44100 is not a rate the station can play; "
	    "use 48000 (or 8000, 12000, 16000, 24000)");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { channels = 3; };",
	    "t.cfg:3: audio.channels: 3 is out of range; use a whole number from 1 to 2");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { buffer_ms = 19; };",
	    "t.cfg:3: audio.buffer_ms: 19 is out of range; use a whole number from 20 to 2000");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { port = 0; };",
	    "t.cfg:3: mqtt.port: 0 is out of range; use a whole number from 1 to 65535");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { port = 65536; };",
	    "t.cfg:3: mqtt.port: 65536 is out of range; use a whole number from 1 to 65535");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { port = 5000000000L; };",
	    "t.cfg:3: mqtt.port: 5000000000 is out of range; use a whole number from 1 to 65535");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { status_interval = 86401; };",
	    "t.cfg:3: mqtt.status_interval: 86401 is out of range; use a whole number "
	    "from 5 to 86400");
	one_error(GOOD_STATION GOOD_STORAGE "schedule = { grace = -1; };",
	    "t.cfg:3: schedule.grace: -1 is out of range; use a whole number from 0 to 86400");
}

/* The chime and the volume of each class: "none", "default" or a file; decibels, whole or not. */
static void
test_chime_and_volume(void)
{
	char cfg[PATH_MAX + 1024], chime[PATH_MAX + 16];
	struct config c;
	struct errlist el;

	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE, &c, &el), 0);
	T_EQ_INT(c.audio.chime[0].kind, CHIME_NONE);	/* none unless asked: an upgrade sounds the same */
	T_EQ_INT(c.audio.chime[2].kind, CHIME_NONE);
	T_EQ_INT(c.audio.volume_set, 0);
	errlist_clear(&el);

	snprintf(chime, sizeof(chime), "%s/gong.opus", tmpdir);
	write_file(chime, "OggS");
	snprintf(cfg, sizeof(cfg), GOOD_STATION GOOD_STORAGE "audio = {\n chime = { normal = "
	    "\"default\"; priority = \"none\"; emergency = \"%s\"; };\n volume = { normal = -3; "
	    "emergency = 6.5; }; };", chime);
	T_EQ_INT(parse(cfg, &c, &el), 0);
	T_EQ_INT(c.audio.chime[0].kind, CHIME_DEFAULT);
	T_EQ_STR(c.audio.chime[0].where, "t.cfg:4: audio.chime.normal");
	T_EQ_INT(c.audio.chime[1].kind, CHIME_NONE);
	T_EQ_INT(c.audio.chime[2].kind, CHIME_FILE);
	T_EQ_STR(c.audio.chime[2].file, chime);
	T_EQ_INT(c.audio.volume_set, 1u << 0 | 1u << 2);
	T_ASSERT(c.audio.volume[0] == -3.0);
	T_ASSERT(c.audio.volume[2] == 6.5);
	errlist_clear(&el);
	unlink(chime);

	one_error(GOOD_STATION GOOD_STORAGE "audio = { chime = { normal = \"gong.opus\"; }; };",
	    "t.cfg:3: audio.chime.normal: the chime \"/etc/loaxa/gong.opus\" does not exist; "
	    "copy an Ogg Opus file there, correct the name, or write \"default\" or \"none\"");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { chime = { urgent = \"none\"; }; };",
	    "t.cfg:3: audio.chime.urgent: unknown setting 'urgent' in audio.chime; remove it or "
	    "correct its name (known here: normal, priority, emergency)");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { chime = { normal = 1; }; };",
	    "t.cfg:3: audio.chime.normal: must be text in double quotes, e.g. chime = { normal = "
	    "\"default\"; emergency = \"default\"; };");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { volume = { emergency = 13; }; };",
	    "t.cfg:3: audio.volume.emergency: 13 dB is out of range; use a number of decibels "
	    "from -40 (much quieter) to +12 (louder), 0 leaves the sound as it is");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { volume = { normal = -40.5; }; };",
	    "t.cfg:3: audio.volume.normal: -40.5 dB is out of range; use a number of decibels "
	    "from -40 (much quieter) to +12 (louder), 0 leaves the sound as it is");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { volume = { priority = \"-6dB\"; }; };",
	    "t.cfg:3: audio.volume.priority: must be a number of decibels without quotes, from "
	    "-40 to 12, e.g. priority = -6; or priority = 3.5;");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { volume = { normal = 5000000000L; }; };",
	    "t.cfg:3: audio.volume.normal: 5e+09 dB is out of range; use a number of decibels "
	    "from -40 (much quieter) to +12 (louder), 0 leaves the sound as it is");
}

/* libconfig 1.5 keeps the low 32 bits of a larger number: 4294968179 would read as 883. */
static void
test_numbers_too_large(void)
{
	struct config c;
	struct errlist el;

	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { port = 4294968179; };",
	    "t.cfg:3: mqtt.port: is too large; use a whole number from 1 to 65535");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { rate = 4295015296; };",
	    "t.cfg:3: audio.rate: is too large to be a whole number");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { keepalive = 0x100000000; };",
	    "t.cfg:3: mqtt.keepalive: is too large; use a whole number from 5 to 3600");
	one_error(GOOD_STATION GOOD_STORAGE "schedule = { grace = -2147483649; };",
	    "t.cfg:3: schedule.grace: is too large; use a whole number from 0 to 86400");
	one_error(GOOD_STATION GOOD_STORAGE "schedule = { grace = -2147483648; };",
	    "t.cfg:3: schedule.grace: -2147483648 is out of range; use a whole number "
	    "from 0 to 86400");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = {\n  port =\n    4294968179; };",
	    "t.cfg:4: mqtt.port: is too large; use a whole number from 1 to 65535");
	/*
	 * Each message names the setting whose value is wrong, whatever the
	 * layout: the huge number's low 32 bits (-1) are buffer_ms's value too,
	 * and once made buffer_ms take the blame for channels.
	 */
	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE "audio = { buffer_ms = -1; channels = "
	    "99999999999999999999; };", &c, &el), 2);
	T_EQ_STR(el.n > 0 ? el.msg[0] : NULL, "t.cfg:3: audio.channels: is too large; use a whole "
	    "number from 1 to 2");
	T_EQ_STR(el.n > 1 ? el.msg[1] : NULL, "t.cfg:3: audio.buffer_ms: -1 is out of range; use a "
	    "whole number from 20 to 2000");
	errlist_clear(&el);
	/* Big numbers in names, strings, comments and floats are not whole numbers. */
	T_EQ_INT(parse("station = { id = \"xa-99999999999\"; region = \"r\";\n"
	    "  name = \"Xã 99999999999 \\\" 88888888888\"; }; # 77777777777\n"
	    "/* 66666666666\n 55555555555 */ // 44444444444\n"
	    GOOD_STORAGE "mqtt = { port = 1883; };\n", &c, &el), 0);
	T_EQ_STR(c.station.name, "Xã 99999999999 \" 88888888888");
	T_EQ_INT(c.mqtt.port, 1883);
	errlist_clear(&el);
}

static void
test_bad_ids(void)
{
	const char *tail = "\"; region = \"hon-quan\"; name = \"Xã\"; };\n" GOOD_STORAGE;
	const char *ids[] = { "Tân Thành", "-tan", "tan_thanh", "", NULL };
	const char *want[] = {
	    "t.cfg:1: station.id: \"Tân Thành\" is not a valid id; use 1 to 63 lowercase letters "
	    "a-z, digits and '-', not starting with '-', e.g. id = \"tan-thanh\";",
	    "t.cfg:1: station.id: \"-tan\" is not a valid id; use 1 to 63 lowercase letters "
	    "a-z, digits and '-', not starting with '-', e.g. id = \"tan-thanh\";",
	    "t.cfg:1: station.id: \"tan_thanh\" is not a valid id; use 1 to 63 lowercase letters "
	    "a-z, digits and '-', not starting with '-', e.g. id = \"tan-thanh\";",
	    "t.cfg:1: station.id: is empty; write something, e.g. id = \"tan-thanh\";",
	};
	char text[512];
	int i;

	for (i = 0; ids[i] != NULL; i++) {
		snprintf(text, sizeof(text), "station = { id = \"%s%s", ids[i], tail);
		one_error(text, want[i]);
	}
}

static void
test_id_length(void)
{
	struct config c;
	struct errlist el;
	char text[512], id[65];

	memset(id, 'a', 64);
	id[63] = '\0';
	snprintf(text, sizeof(text), "station = { id = \"x\"; region = \"%s\"; name = \"Xã\"; };\n"
	    GOOD_STORAGE, id);
	T_EQ_INT(parse(text, &c, &el), 0);
	T_EQ_STR(c.station.region, id);
	id[63] = 'a';
	id[64] = '\0';
	snprintf(text, sizeof(text), "station = { id = \"x\"; region = \"%s\"; name = \"Xã\"; };\n"
	    GOOD_STORAGE, id);
	T_EQ_INT(parse(text, &c, &el), 1);
	T_CONTAINS(el.n ? el.msg[0] : NULL, "t.cfg:1: station.region: \"aaaa");
	T_CONTAINS(el.n ? el.msg[0] : NULL, "is not a valid id; use 1 to 63");
	errlist_clear(&el);
}

static void
test_bad_text(void)
{
	struct config c;
	struct errlist el;
	char text[1024], name[202];

	one_error(GOOD_STORAGE "station = { id = \"a\"; region = \"b\"; name = \"X\xe3 \xff\"; };",
	    "t.cfg:2: station.name: is not valid UTF-8 text; save the file with the UTF-8 encoding");
	/* An overlong encoding of '/' is not UTF-8 either. */
	one_error(GOOD_STORAGE "station = { id = \"a\"; region = \"b\"; name = \"\xc0\xaf\"; };",
	    "t.cfg:2: station.name: is not valid UTF-8 text; save the file with the UTF-8 encoding");
	one_error(GOOD_STORAGE "station = { id = \"a\"; region = \"b\"; name = \"X\\tY\"; };",
	    "t.cfg:2: station.name: contains a control character (such as a tab or a line break); "
	    "remove it");
	one_error(GOOD_STORAGE "station = { id = \"a\"; region = \"b\"; name = \"\"; };",
	    "t.cfg:2: station.name: is empty; write something, "
	    "e.g. name = \"Đài truyền thanh xã Tân Thành\";");
	memset(name, 'x', 201);
	name[201] = '\0';
	snprintf(text, sizeof(text), GOOD_STORAGE "station = { id = \"a\"; region = \"b\";\n"
	    "  name = \"%s\"; };", name);
	one_error(text, "t.cfg:3: station.name: is 201 bytes long; shorten it to at most 200 bytes");
	name[200] = '\0';
	snprintf(text, sizeof(text), GOOD_STORAGE "station = { id = \"a\"; region = \"b\";\n"
	    "  name = \"%s\"; };", name);
	T_EQ_INT(parse(text, &c, &el), 0);
	T_EQ_INT(strlen(c.station.name), 200);
}

static void
test_paths(void)
{
	char text[1024], longname[200];

	memset(longname, 'p', 110);
	longname[110] = '\0';
	snprintf(text, sizeof(text), GOOD_STATION GOOD_STORAGE "control = { socket = \"/%s\"; };",
	    longname);
	one_error(text, "t.cfg:3: control.socket: the path is too long once made absolute; "
	    "use one shorter than 108 bytes");
	/* Short as written, too long once the base directory is put in front. */
	memset(longname, 'p', 97);
	longname[97] = '\0';
	snprintf(text, sizeof(text), GOOD_STATION GOOD_STORAGE "control = { socket = \"%s\"; };",
	    longname);
	one_error(text, "t.cfg:3: control.socket: the path is too long once made absolute; "
	    "use one shorter than 108 bytes");
	one_error(GOOD_STATION GOOD_STORAGE "schedule = { file = \"\"; };",
	    "t.cfg:3: schedule.file: is empty; write something, "
	    "e.g. file = \"/etc/loaxa/schedule.cfg\";");
}

static void
test_syntax_errors(void)
{
	one_error(GOOD_STATION "storage = { dir = /var/lib; };\n",
	    "t.cfg:2: syntax error: look on this line and the one before for a missing ';', '\"', "
	    "brace or parenthesis");
	one_error(GOOD_STATION GOOD_STORAGE "audio = { rate = 8000; rate = 16000; };\n",
	    "t.cfg:3: syntax error: duplicate setting name");
}

static void
test_unreadable(void)
{
	struct config c;
	struct errlist el;

	conf_defaults(&c);
	errlist_init(&el);
	T_EQ_INT(conf_load("/nonexistent/loaxa.cfg", &c, &el), -EINVAL);
	T_EQ_INT(errlist_count(&el), 1);
	T_EQ_STR(el.n ? el.msg[0] : NULL, "/nonexistent/loaxa.cfg: cannot read the configuration: "
	    "No such file or directory; check the path and that loaxa may read it");
	errlist_clear(&el);
	T_EQ_INT(conf_load(tmpdir, &c, &el), -EINVAL);
	T_EQ_INT(errlist_count(&el), 1);
	T_CONTAINS(el.n ? el.msg[0] : NULL, ": cannot read the configuration: it is a directory, "
	    "not a file;");
	errlist_clear(&el);
}

/*
 * A FIFO whose writer never writes, named as the configuration, the schedule
 * or in an @include (directly or two levels down), is refused at once; before,
 * opening it hung the daemon for good. alarm() turns a hang into a failure.
 */
static void
test_fifos_never_hang(void)
{
	char fifo[PATH_MAX + 16], inc[PATH_MAX + 16], text[512];
	struct schedule *s;
	struct config c;
	struct errlist el;

	snprintf(fifo, sizeof(fifo), "%s/fifo.cfg", tmpdir);
	snprintf(inc, sizeof(inc), "%s/inc.cfg", tmpdir);
	T_EQ_INT(mkfifo(fifo, 0600), 0);
	write_file(inc, "@include \"fifo.cfg\"\n");
	alarm(20);
	conf_defaults(&c);
	errlist_init(&el);
	T_EQ_INT(conf_load(fifo, &c, &el), -EINVAL);
	T_CONTAINS(el.n ? el.msg[0] : NULL, "it is not a regular file");
	errlist_clear(&el);
	T_ASSERT(schedule_load(fifo, 0, &el) == NULL);
	T_CONTAINS(el.n ? el.msg[0] : NULL, "cannot read the schedule: it is not a regular file");
	errlist_clear(&el);
	snprintf(text, sizeof(text), GOOD_STATION "@include \"fifo.cfg\"\n" GOOD_STORAGE);
	T_EQ_INT(conf_parse_string(text, "t.cfg", tmpdir, &c, &el), -EINVAL);
	T_CONTAINS(el.n ? el.msg[0] : NULL, "t.cfg:2: @include \"fifo.cfg\": it is not a regular "
	    "file");
	errlist_clear(&el);
	s = schedule_parse_string("@include \"inc.cfg\"\nslots = ();\n", "s.cfg", tmpdir, 0, &el);
	T_ASSERT(s == NULL);
	T_CONTAINS(el.n ? el.msg[0] : NULL, "inc.cfg:1: @include \"fifo.cfg\": it is not a regular "
	    "file");
	schedule_free(s);
	errlist_clear(&el);
	alarm(0);
	unlink(fifo);
	unlink(inc);
}

/* Every problem of a file at once, in file order; the output is untouched. */
static void
test_all_errors_at_once(void)
{
	struct config c;
	struct errlist el;

	conf_defaults(&c);
	snprintf(c.station.id, sizeof(c.station.id), "keep");
	errlist_init(&el);
	T_EQ_INT(conf_parse_string(
	    "station = { id = \"Tân Thành\"; region = \"hon-quan\"; name = \"Xã\"; };\n"
	    "audio = { devcie = \"default\"; rate = 44100; };\n"
	    "mqtt = { port = 0; keepalive = \"60\"; };\n"
	    "storage = { };\n"
	    "extra = 1;\n", "bad.cfg", "/etc/loaxa", &c, &el), -EINVAL);
	T_EQ_INT(errlist_count(&el), 7);
	if (el.n == 7) {
		T_CONTAINS(el.msg[0], "bad.cfg:5: extra: unknown setting 'extra'");
		T_CONTAINS(el.msg[1], "bad.cfg:1: station.id: \"Tân Thành\" is not a valid id");
		T_CONTAINS(el.msg[2], "bad.cfg:2: audio.devcie: unknown setting 'devcie' in audio; "
		    "did you mean 'device'?");
		T_CONTAINS(el.msg[3], "bad.cfg:2: audio.rate: 44100 is not a rate");
		T_CONTAINS(el.msg[4], "bad.cfg:3: mqtt.port: 0 is out of range");
		T_CONTAINS(el.msg[5], "bad.cfg:3: mqtt.keepalive: must be a whole number");
		T_CONTAINS(el.msg[6], "bad.cfg:4: storage.dir: this required setting is missing");
	}
	T_EQ_STR(c.station.id, "keep");
	errlist_clear(&el);
	/* Without an errlist the problems are still found. */
	T_EQ_INT(conf_parse_string("audio = 1;", "x.cfg", NULL, &c, NULL), -EINVAL);
}

static void
test_helpers(void)
{
	const char *known[] = { "device", "rate", "channels", "buffer_ms", NULL };
	char q[16];

	T_EQ_STR(conf_suggest("devcie", known), "device");
	T_EQ_STR(conf_suggest("RATE", known), "rate");
	T_EQ_STR(conf_suggest("bufer_ms", known), "buffer_ms");
	T_ASSERT(conf_suggest("volume", known) == NULL);
	T_ASSERT(conf_suggest("x", known) == NULL);
	T_ASSERT(conf_utf8_valid("Đài truyền thanh"));
	T_ASSERT(!conf_utf8_valid("\xed\xa0\x80"));	/* a surrogate */
	T_ASSERT(!conf_utf8_valid("\xf4\x90\x80\x80"));	/* past U+10FFFF */
	T_ASSERT(!conf_utf8_valid("\xe1\xba"));		/* cut short */
	conf_quote("a\nb\xff", q, sizeof(q));
	T_EQ_STR(q, "a?b?");
	conf_quote("Thông báo họp dân", q, sizeof(q));
	T_EQ_STR(q, "Thông báo ...");
}

/* district.public_key: optional; the key file is read when the configuration is. */
static void
test_district_key(void)
{
	char key[PATH_MAX + 16], pub[PATH_MAX + 32], text[2 * PATH_MAX], why[256];
	char want[2 * PATH_MAX];
	struct config c;
	struct errlist el;

	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE, &c, &el), 0);
	T_EQ_STR(c.district.public_key, "");
	errlist_clear(&el);
	snprintf(key, sizeof(key), "%s/huyện.key", tmpdir);
	snprintf(pub, sizeof(pub), "%s.pub", key);
	T_EQ_INT(keygen_write(key, why, sizeof(why)), 0);
	/* Relative to the configuration file, like every path in it. */
	errlist_init(&el);
	conf_defaults(&c);
	T_EQ_INT(conf_parse_string(GOOD_STATION GOOD_STORAGE
	    "district = { public_key = \"huyện.key.pub\"; };", "t.cfg", tmpdir, &c, &el), 0);
	T_EQ_STR(c.district.public_key, pub);
	errlist_clear(&el);
	one_error(GOOD_STATION GOOD_STORAGE "district = { public_key = \"district.pub\"; };",
	    "t.cfg:3: district.public_key: the key file \"/etc/loaxa/district.pub\" does not "
	    "exist; copy the district's public key there (made by 'loaxactl keygen'), or correct "
	    "the path");
	/* The secret key by mistake, and a file that is no key at all. */
	snprintf(text, sizeof(text), GOOD_STATION GOOD_STORAGE "district = { public_key = \"%s\"; };",
	    key);
	snprintf(want, sizeof(want), "t.cfg:3: district.public_key: cannot use the key file \"%s\": "
	    "it is a secret key, not a public key; give the stations the .pub file and keep the "
	    "secret key at the district office", key);
	one_error(text, want);
	snprintf(text, sizeof(text), GOOD_STATION GOOD_STORAGE "district = { public_key = \"%s\"; };",
	    tmpdir);
	snprintf(want, sizeof(want), "t.cfg:3: district.public_key: cannot read the key file \"%s\": "
	    "it is a directory, not a file", tmpdir);
	one_error(text, want);
	one_error(GOOD_STATION GOOD_STORAGE "district = { public_key = 7; };",
	    "t.cfg:3: district.public_key: must be text in double quotes, e.g. "
	    "public_key = \"/etc/loaxa/district.pub\";");
	one_error(GOOD_STATION GOOD_STORAGE "district = { publickey = \"x\"; };",
	    "t.cfg:3: district.publickey: unknown setting 'publickey' in district; did you mean "
	    "'public_key'?");
	unlink(key);
	unlink(pub);
}

/* One check of titles and names everywhere, and the defanging of what reaches a terminal. */
static void
test_text_clean(void)
{
	char s1[] = "Họp dân\nloaxad: forged", s2[] = "\x1b[2JBản tin\xc2\x9b", s3[] = "a\xff" "b";

	T_ASSERT(conf_text_clean("Bản tin chiều: hộ nghèo, cận nghèo"));
	T_ASSERT(!conf_text_clean(s1));
	T_ASSERT(!conf_text_clean("tab\there"));
	T_ASSERT(!conf_text_clean(s2));
	T_ASSERT(!conf_text_clean(s3));
	T_ASSERT(!conf_text_clean(NULL));
	conf_text_defang(s1);
	T_EQ_STR(s1, "Họp dân?loaxad: forged");
	conf_text_defang(s2);
	T_EQ_STR(s2, "?[2JBản tin?");
	conf_text_defang(s3);
	T_EQ_STR(s3, "a?b");
}

/* mqtt.tls: the three files together, relative to the file's directory; password pairs. */
static void
test_tls_settings(void)
{
	struct config c;
	struct errlist el;

	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE "mqtt = { host = \"broker.huyen\"; port = 8883;\n"
	    "  tls = { ca = \"ca.crt\"; cert = \"/etc/ssl/s.crt\"; key = \"s.key\"; }; };",
	    &c, &el), 0);
	T_EQ_STR(c.mqtt.tls.ca, "/etc/loaxa/ca.crt");
	T_EQ_STR(c.mqtt.tls.cert, "/etc/ssl/s.crt");
	T_EQ_STR(c.mqtt.tls.key, "/etc/loaxa/s.key");
	T_EQ_INT(c.office, 0);
	errlist_clear(&el);
	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE, &c, &el), 0);
	T_EQ_STR(c.mqtt.tls.ca, "");	/* no TLS unless asked for */
	errlist_clear(&el);
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = {\n  tls = { ca = \"ca.crt\"; cert = \"s.crt\"; }; };",
	    "t.cfg:4: mqtt.tls.key: this required setting is missing; add it to mqtt.tls, e.g. "
	    "key = \"/etc/loaxa/station.key\";");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { tls = { ca = \"a\"; cert = \"b\"; key = \"c\";\n"
	    "  crl = \"d\"; }; };",
	    "t.cfg:4: mqtt.tls.crl: unknown setting 'crl' in mqtt.tls; remove it or correct its "
	    "name (known here: ca, cert, key)");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { tls = \"yes\"; };",
	    "t.cfg:3: mqtt.tls: must be a group of settings in braces, e.g. tls = { ca = "
	    "\"ca.crt\"; cert = \"station.crt\"; key = \"station.key\"; };");
	one_error(GOOD_STATION GOOD_STORAGE "mqtt = { username = \"tan-thanh\"; };",
	    "t.cfg:3: mqtt: username and password_file go together: give both, or neither "
	    "(a broker with client certificates needs neither)");
	T_EQ_INT(parse(GOOD_STATION GOOD_STORAGE "mqtt = { username = \"tan-thanh\"; "
	    "password_file = \"mqtt.pw\"; };", &c, &el), 0);
	T_EQ_STR(c.mqtt.password_file, "/etc/loaxa/mqtt.pw");
	errlist_clear(&el);
}

/* A district office's file: its region and key, the broker; no station. */
static void
test_office_file(void)
{
	struct config c;
	struct errlist el;

	T_EQ_INT(parse("district = { region = \"hon-quan\"; secret_key = \"keys/d.key\"; };\n"
	    "mqtt = { host = \"broker.huyen\"; port = 8883; tls = { ca = \"ca/ca.crt\"; "
	    "cert = \"p.crt\"; key = \"p.key\"; }; };", &c, &el), 0);
	T_EQ_INT(c.office, 1);
	T_EQ_STR(c.station.region, "hon-quan");
	T_EQ_STR(c.district.secret_key, "/etc/loaxa/keys/d.key");
	T_EQ_STR(c.mqtt.tls.cert, "/etc/loaxa/p.crt");
	T_EQ_INT(c.mqtt.port, 8883);
	errlist_clear(&el);
	one_error("district = { region = \"hon-quan\"; };\naudio = { device = \"hw:0\"; };",
	    "t.cfg:2: audio: unknown setting 'audio' in the file; remove it or correct its name "
	    "(known here: mqtt, district, collector, import, live)");
	one_error("district = { region = \"Hòn Quản\"; };",
	    "t.cfg:1: district.region: \"Hòn Quản\" is not a valid id; use 1 to 63 lowercase "
	    "letters a-z, digits and '-', not starting with '-', e.g. region = \"hon-quan\";");
	/* A station's file does not take a district office's settings. */
	one_error(GOOD_STATION GOOD_STORAGE "district = { secret_key = \"d.key\"; };",
	    "t.cfg:3: district.secret_key: unknown setting 'secret_key' in district; remove it "
	    "or correct its name (known here: public_key, test_alerts_sound)");
}

/* An example file of config/, read as loaxactl reads it; what it complains of is printed. */
static int
load_example(const char *path, struct config *c)
{
	struct errlist el;
	int rc;

	errlist_init(&el);
	rc = conf_load(path, c, &el);
	errlist_print(&el, "  ", stderr);
	errlist_clear(&el);
	return rc;
}

/*
 * A district office's live group ('loaxactl live'): the stream server's
 * address, checked as a relay's, and the password file relative to the
 * file; both required when the group is there; a station's file has none.
 * The district office's example parses.
 */
static void
test_live_group(void)
{
	struct config c;
	struct errlist el;

	T_EQ_INT(load_example("config/district.cfg.example", &c), 0);
	T_EQ_INT(c.office, 1);
	T_EQ_STR(c.live.server, "https://mqtt.honquan.example:8443");
	T_CONTAINS(c.live.password_file, "/config/stream/source.password");
	T_EQ_INT(parse("district = { region = \"hon-quan\"; };\n"
	    "live = { server = \"https://stream.huyen:8443\"; password_file = "
	    "\"stream/source.password\"; };", &c, &el), 0);
	T_EQ_STR(c.live.server, "https://stream.huyen:8443");
	T_EQ_STR(c.live.password_file, "/etc/loaxa/stream/source.password");
	errlist_clear(&el);
	T_EQ_INT(parse("district = { region = \"hon-quan\"; };", &c, &el), 0);
	T_EQ_STR(c.live.server, "");
	errlist_clear(&el);
	one_error("district = { region = \"hon-quan\"; };\n"
	    "live = { server = \"rtmp://stream.huyen\"; password_file = \"p\"; };",
	    "t.cfg:2: live.server: the address must start with http:// or https://, e.g. "
	    "\"http://radio.example.vn:8000/kenh1\"");
	one_error("district = { region = \"hon-quan\"; };\n"
	    "live = { server = \"https://stream.huyen:8443\"; };",
	    "t.cfg:2: live.password_file: this required setting is missing; add it to live, "
	    "e.g. password_file = \"stream/source.password\";");
	one_error(GOOD_STATION GOOD_STORAGE "live = { server = \"https://s\"; password_file = \"p\"; };",
	    "t.cfg:3: live: unknown setting 'live' in the file; remove it or correct its name "
	    "(known here: station, audio, mqtt, storage, control, schedule, district, relay, import)");
}

/*
 * The collector's file is a district office's with a collector group: the
 * database (relative to the file), the session's expiry; the group is
 * optional, but when it is there its database is not. The example parses.
 */
static void
test_collector_group(void)
{
	struct config c;
	struct errlist el;

	T_EQ_INT(load_example("config/collector.cfg.example", &c), 0);
	T_EQ_INT(c.office, 1);
	T_EQ_STR(c.station.region, "hon-quan");
	T_EQ_STR(c.collector.database, "/var/lib/loaxa-collector/collector.db");
	T_CONTAINS(c.mqtt.tls.cert, "/config/collector/district.collector.crt");
	T_EQ_INT(parse("district = { region = \"hon-quan\"; };\n"
	    "collector = { database = \"collector.db\"; };", &c, &el), 0);
	T_EQ_STR(c.collector.database, "/etc/loaxa/collector.db");
	T_EQ_INT(c.collector.session_expiry, 30 * 86400);
	errlist_clear(&el);
	T_EQ_INT(parse("district = { region = \"hon-quan\"; };\n"
	    "collector = { database = \"/var/lib/c.db\"; session_expiry = 86400; };", &c, &el), 0);
	T_EQ_INT(c.collector.session_expiry, 86400);
	errlist_clear(&el);
	T_EQ_INT(parse("district = { region = \"hon-quan\"; };", &c, &el), 0);
	T_EQ_STR(c.collector.database, "");
	errlist_clear(&el);
	one_error("district = { region = \"hon-quan\"; };\ncollector = { };",
	    "t.cfg:2: collector.database: this required setting is missing; add it to collector, "
	    "e.g. database = \"/var/lib/loaxa-collector/collector.db\";");
	one_error("district = { region = \"hon-quan\"; };\n"
	    "collector = { database = \"c.db\"; session_expiry = 60; };",
	    "t.cfg:2: collector.session_expiry: 60 is out of range; use a whole number from 3600 "
	    "to 31536000");
	one_error("district = { region = \"hon-quan\"; };\n"
	    "collector = { databse = \"c.db\"; database = \"c.db\"; };",
	    "t.cfg:2: collector.databse: unknown setting 'databse' in collector; did you mean "
	    "'database'?");
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_conf.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_example_file);
	T_RUN(test_collector_group);
	T_RUN(test_every_setting);
	T_RUN(test_defaults);
	T_RUN(test_storage_limits);
	T_RUN(test_relative_paths);
	T_RUN(test_missing_required);
	T_RUN(test_wrong_types);
	T_RUN(test_unknown_settings);
	T_RUN(test_out_of_range);
	T_RUN(test_chime_and_volume);
	T_RUN(test_numbers_too_large);
	T_RUN(test_bad_ids);
	T_RUN(test_id_length);
	T_RUN(test_bad_text);
	T_RUN(test_paths);
	T_RUN(test_syntax_errors);
	T_RUN(test_unreadable);
	T_RUN(test_fifos_never_hang);
	T_RUN(test_text_clean);
	T_RUN(test_all_errors_at_once);
	T_RUN(test_helpers);
	T_RUN(test_district_key);
	T_RUN(test_tls_settings);
	T_RUN(test_office_file);
	T_RUN(test_live_group);
	rmdir(tmpdir);
	return T_EXIT();
}
