/*
 * Tests of the district's key files (config/keys.c) and of the signed
 * manifest (daemon/proto/manifest.c): a schedule goes through build, sign and
 * verify and comes back the same; every kind of bad manifest is refused with
 * its own code and a sentence that says what is wrong. Real libsodium, real
 * libconfig, real files in a temporary directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "config/keys.h"
#include "config/schedule.h"
#include "daemon/loaxactl/keygen.h"
#include "daemon/proto/manifest.h"
#include "tests/helpers/forge.h"
#include "tests/t.h"

#define BDIR	"/var/lib/loaxa/bulletins"
#define SHA_A	"5b1e000000000000000000000000000000000000000000000000000000000001"
#define SHA_B	"c0ffee0000000000000000000000000000000000000000000000000000000002"

static unsigned char g_pk[KEYS_PUBLIC_BYTES], g_sk[KEYS_SECRET_BYTES];
static unsigned char g_pk2[KEYS_PUBLIC_BYTES], g_sk2[KEYS_SECRET_BYTES];

static const char *const sched_text =
    "slots = (\n"
    "  { title = \"Bản tin sáng\"; at = \"06:00\"; days = [ \"mon\", \"wed\", \"fri\" ];\n"
    "    from = \"2026-01-01\"; until = \"2026-12-31\"; grace = 300;\n"
    "    items = ( { file = \"giảm nghèo số 1.opus\"; title = \"Chính sách \\\"hộ nghèo\\\"\"; },\n"
    "              { file = \"b.opus\"; } ); },\n"
    "  { title = \"Thông báo khẩn\"; at = \"2026-11-22 14:30:05\"; class = \"priority\";\n"
    "    items = ( { file = \"b.opus\"; } ); }\n"
    ");\n";

static struct schedule *
parse_sched(void)
{
	return schedule_parse_string(sched_text, "lich.cfg", "/srv/district", 0, NULL);
}

static void
fill_info(struct manifest_item_info info[3])
{
	memset(info, 0, 3 * sizeof(*info));
	snprintf(info[0].sha256, 65, "%s", SHA_A);
	info[0].size = 600000;		/* three chunks of 256 KiB */
	info[0].duration = 252.4;
	snprintf(info[1].sha256, 65, "%s", SHA_B);
	info[1].size = 1000;
	info[1].duration = 1.5;
	info[2] = info[1];
}

/* A signed envelope for the default schedule; targets NULL: all. */
static char *
make_envelope(const char *region, int64_t version, const char *const *targets, size_t nt,
    const unsigned char *sk)
{
	struct manifest_item_info info[3];
	struct manifest_meta meta = { region, version, 1795334400, targets, nt, 0 };
	struct schedule *s = parse_sched();
	char why[256], *text, *env;

	fill_info(info);
	text = manifest_build(s, info, 3, &meta, why, sizeof(why));
	schedule_free(s);
	if (text == NULL)
		return NULL;
	env = manifest_sign(text, sk);
	free(text);
	return env;
}

/* Signs any manifest text, to feed the station what a district could sign. */
static char *
sign_text(const char *text)
{
	return manifest_sign(text, g_sk);
}

static struct manifest *
verify(const char *env, int64_t newest, enum manifest_code *code, char *why, size_t len)
{
	struct manifest_check chk = { g_pk, "hon-quan", "tan-thanh", newest, BDIR, 0 };
	int64_t version;

	return manifest_verify(env, strlen(env), &chk, code, &version, why, len);
}

/* --- keys ---------------------------------------------------------------------------- */

static void
test_keygen_files(void)
{
	char dir[] = "/tmp/loaxa-keys-XXXXXX", path[128], pub[140], why[512], id1[17], id2[17];
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES];
	struct stat st;

	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/khóa huyện.key", dir);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	T_EQ_INT(keygen_write(path, why, sizeof(why)), 0);
	T_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	T_ASSERT(stat(pub, &st) == 0 && (st.st_mode & 0777) == 0644);
	T_EQ_INT(keys_load_secret(path, sk, why, sizeof(why)), 0);
	T_EQ_INT(keys_load_public(pub, pk, why, sizeof(why)), 0);
	T_ASSERT(memcmp(pk, sk + 32, 32) == 0);
	keys_id(pk, id1);
	keys_id(sk + 32, id2);
	T_EQ_STR(id1, id2);
	T_EQ_INT(strlen(id1), 16);
	/* Never overwritten. */
	T_EQ_INT(keygen_write(path, why, sizeof(why)), -EEXIST);
	T_CONTAINS(why, "already exists");
	T_EQ_INT(keys_load_public(pub, pk, why, sizeof(why)), 0);
	T_ASSERT(memcmp(pk, sk + 32, 32) == 0);
	/* The wrong file in the wrong place says so. */
	T_EQ_INT(keys_load_public(path, pk, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "it is a secret key, not a public key");
	T_EQ_INT(keys_load_secret(pub, sk, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "it is a public key");
	T_ASSERT(chmod(path, 0640) == 0);
	T_EQ_INT(keys_load_secret(path, sk, why, sizeof(why)), -EPERM);
	T_CONTAINS(why, "chmod 600");
	T_EQ_INT(keys_load_public("/nonexistent/district.pub", pk, why, sizeof(why)), -ENOENT);
	T_CONTAINS(why, "does not exist");
	unlink(path);
	unlink(pub);
	rmdir(dir);
}

static void
test_key_text(void)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES];
	char b64[128], text[512], why[256];

	sodium_bin2base64(b64, sizeof(b64), g_pk, 32, sodium_base64_VARIANT_ORIGINAL);
	/* Comments, blank lines, CRLF and indentation from a copy through e-mail. */
	snprintf(text, sizeof(text), "# khóa của huyện\r\n\r\n  loaxa-ed25519-public-v1\r\n\t%s  \r\n",
	    b64);
	T_EQ_INT(keys_parse_public(text, pk, why, sizeof(why)), 0);
	T_ASSERT(memcmp(pk, g_pk, 32) == 0);
	T_EQ_INT(keys_parse_public("", pk, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "not a loaxa key file");
	T_EQ_INT(keys_parse_public("loaxa-ed25519-public-v1\nAAAA\n", pk, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "damaged");
	snprintf(text, sizeof(text), "loaxa-ed25519-public-v1\n%s\n%s\n", b64, b64);
	T_EQ_INT(keys_parse_public(text, pk, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "more lines");
	/* A secret key whose two halves disagree is damaged. */
	memcpy(sk, g_sk, 64);
	sk[40] ^= 1;
	sodium_bin2base64(b64, sizeof(b64), sk, 64, sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "loaxa-ed25519-secret-v1\n%s\n", b64);
	T_EQ_INT(keys_parse_secret(text, sk, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "damaged");
}

/* --- manifests ------------------------------------------------------------------------- */

static void
test_round_trip(void)
{
	char *env = make_envelope("hon-quan", 1795334400, NULL, 0, g_sk), why[512];
	enum manifest_code code;
	struct manifest *m;
	struct schedule *s;
	const struct sched_slot *a, *b;

	T_ASSERT(env != NULL);
	m = verify(env, 0, &code, why, sizeof(why));
	T_ASSERT(m != NULL);
	if (m == NULL) {
		fprintf(stderr, "  %s\n", why);
		free(env);
		return;
	}
	T_EQ_INT(code, MANIFEST_OK);
	T_EQ_INT(m->version, 1795334400);
	T_EQ_STR(m->region, "hon-quan");
	T_EQ_INT(m->all_stations, 1);
	T_EQ_INT(m->issued_at, 1795334400);
	T_EQ_INT(m->n_bulletins, 2);
	T_EQ_STR(m->bulletins[0].sha256, SHA_A);
	T_EQ_INT(m->bulletins[0].chunks, 3);
	T_EQ_INT(m->bulletins[1].chunks, 1);
	T_EQ_STR(m->bulletins[0].file, "giảm nghèo số 1.opus");
	T_EQ_STR(m->bulletins[0].title, "Chính sách \"hộ nghèo\"");
	T_EQ_INT(m->total_bytes, 601000);
	T_ASSERT(m->bulletins[0].duration > 252.3 && m->bulletins[0].duration < 252.5);
	T_ASSERT(manifest_bulletin_find(m, SHA_B) == &m->bulletins[1]);
	T_ASSERT(manifest_bulletin_find(m, SHA_A "0") == NULL);
	s = manifest_take_schedule(m);
	T_ASSERT(manifest_take_schedule(m) == NULL);
	T_ASSERT(s != NULL && s->n_slots == 2);
	if (s != NULL && s->n_slots == 2) {
		a = &s->slots[0];
		b = &s->slots[1];
		T_EQ_STR(a->title, "Bản tin sáng");
		T_EQ_INT(a->once, 0);
		T_EQ_INT(a->hh * 3600 + a->mm * 60 + a->ss, 6 * 3600);
		T_EQ_INT(a->days, SCHED_DAY(1) | SCHED_DAY(3) | SCHED_DAY(5));
		T_EQ_INT(a->from.y * 10000 + a->from.m * 100 + a->from.d, 20260101);
		T_EQ_INT(a->until.y * 10000 + a->until.m * 100 + a->until.d, 20261231);
		T_EQ_INT(a->grace, 300);
		T_EQ_INT(a->cls, SCHED_NORMAL);
		T_EQ_INT(a->n_items, 2);
		T_EQ_STR(a->items[0].file, BDIR "/" SHA_A ".opus");
		T_EQ_STR(a->items[0].title, "Chính sách \"hộ nghèo\"");
		T_EQ_STR(a->items[1].file, BDIR "/" SHA_B ".opus");
		T_EQ_STR(a->items[1].title, "b");
		T_EQ_STR(b->title, "Thông báo khẩn");
		T_EQ_INT(b->once, 1);
		T_EQ_INT(b->date.y * 10000 + b->date.m * 100 + b->date.d, 20261122);
		T_EQ_INT(b->hh * 3600 + b->mm * 60 + b->ss, 14 * 3600 + 30 * 60 + 5);
		T_EQ_INT(b->grace, -1);
		T_EQ_INT(b->cls, SCHED_PRIORITY);
	}
	schedule_free(s);
	manifest_free(m);
	free(env);
}

static void
expect_refused(const char *env, int64_t newest, enum manifest_code want, const char *text)
{
	enum manifest_code code;
	char why[1024] = "";
	struct manifest *m = verify(env, newest, &code, why, sizeof(why));

	T_ASSERT(m == NULL);
	T_EQ_STR(manifest_code_name(code), manifest_code_name(want));
	T_CONTAINS(why, text);
	manifest_free(m);
}

static void
test_refusals_in_order(void)
{
	const char *const mine[] = { "an-binh", "tan-thanh" }, *const others[] = { "an-binh" };
	char *good = make_envelope("hon-quan", 100, NULL, 0, g_sk);
	char *other_key = make_envelope("hon-quan", 100, NULL, 0, g_sk2);
	char *other_region = make_envelope("tan-phu", 100, NULL, 0, g_sk);
	char *listed = make_envelope("hon-quan", 100, mine, 2, g_sk);
	char *not_listed = make_envelope("hon-quan", 100, others, 1, g_sk);
	char *big = calloc(1, MANIFEST_MAX_BYTES + 2), *tampered, *p, why[512];
	enum manifest_code code;
	struct manifest *m;

	T_ASSERT(good && other_key && other_region && listed && not_listed && big);
	memset(big, ' ', MANIFEST_MAX_BYTES + 1);
	expect_refused(big, 0, MANIFEST_TOO_LARGE, "more than the 262144 bytes");
	expect_refused("<html>502 Bad Gateway</html>", 0, MANIFEST_NOT_JSON, "not JSON");
	{
		struct manifest_check chk = { g_pk, "hon-quan", "tan-thanh", 0, BDIR, 0 };
		int64_t version;

		T_ASSERT(manifest_verify("{}\0{}", 5, &chk, &code, &version, why, sizeof(why)) == NULL);
		T_EQ_INT(code, MANIFEST_NOT_JSON);
		T_CONTAINS(why, "NUL byte");
		T_ASSERT(manifest_verify(NULL, 0, &chk, &code, &version, why, sizeof(why)) == NULL);
		T_EQ_INT(code, MANIFEST_NOT_JSON);
		T_CONTAINS(why, "empty");
	}
	expect_refused("{\"manifest\":\"{}\"}", 0, MANIFEST_MALFORMED, "lacks");
	expect_refused(other_key, 0, MANIFEST_BAD_SIGNATURE, "not by the district key");
	/* One byte changed inside the signed text: "06:00:00" becomes "07:00:00". */
	tampered = strdup(good);
	p = strstr(tampered, "06:00:00");
	T_ASSERT(p != NULL);
	if (p != NULL)
		p[1] = '7';
	expect_refused(tampered, 0, MANIFEST_BAD_SIGNATURE, "altered on the way");
	expect_refused(other_region, 0, MANIFEST_WRONG_REGION, "for region \"tan-phu\"");
	expect_refused(good, 100, MANIFEST_NOT_NEWER, "version 100 is not newer than version 100");
	expect_refused(good, 101, MANIFEST_NOT_NEWER, "not newer");
	expect_refused(not_listed, 0, MANIFEST_NOT_TARGETED, "not for this one (\"tan-thanh\")");
	m = verify(listed, 99, &code, why, sizeof(why));
	T_ASSERT(m != NULL && !m->all_stations && m->n_targets == 2);
	manifest_free(m);
	free(good);
	free(other_key);
	free(other_region);
	free(listed);
	free(not_listed);
	free(big);
	free(tampered);
}

/*
 * The envelope's checks, shared with alerts (daemon/proto/envelope.c), held to
 * the stricter of what the two did before: JSON that is not an object is
 * malformed, not "not JSON"; a key_id that is not text is refused even under a
 * good signature; a foreign key id in a reason is cut whole characters at a time.
 */
static void
test_envelope_strict(void)
{
	char *good = make_envelope("hon-quan", 100, NULL, 0, g_sk);
	char *forged = make_envelope("hon-quan", 100, NULL, 0, g_sk2);
	char *num = forge_key_id(good, json_integer(7)), *none = forge_key_id(good, json_null());
	char *ours_plus = NULL, *utf8 = forge_key_id(forged, json_string("0123456789abcdeđđđ"));
	char id[KEYS_ID_HEX + 1], longer[64];
	enum manifest_code code;
	char why[512];
	struct manifest *m;

	T_ASSERT(good && forged && num && none && utf8);
	expect_refused("[\"manifest\",\"signature\"]", 0, MANIFEST_MALFORMED, "not an object");
	expect_refused(num, 0, MANIFEST_MALFORMED, "\"key_id\" text");
	expect_refused(none, 0, MANIFEST_MALFORMED, "lacks");
	/* A key id that only starts like ours is another key's, and the cut shows. */
	keys_id(g_pk, id);
	snprintf(longer, sizeof(longer), "%sff", id);
	ours_plus = forge_key_id(forged, json_string(longer));
	expect_refused(ours_plus, 0, MANIFEST_BAD_SIGNATURE, "signed by key ");
	m = verify(ours_plus, 0, &code, why, sizeof(why));
	T_ASSERT(m == NULL && strstr(why, "…, not by the district key") != NULL);
	/* 15 ASCII bytes, then "đ" (2 bytes) across the 16-byte limit: cut before it. */
	expect_refused(utf8, 0, MANIFEST_BAD_SIGNATURE, "signed by key 0123456789abcde…, not");
	/* The signature decides: a good one under a key_id naming another key still verifies. */
	free(none);
	none = forge_key_id(good, json_string("0000000000000000"));
	m = verify(none, 0, &code, why, sizeof(why));
	T_ASSERT(m != NULL && strcmp(m->key_id, id) == 0);
	manifest_free(m);
	free(good);
	free(forged);
	free(num);
	free(none);
	free(ours_plus);
	free(utf8);
}

/* A manifest text around one slot, signed by the district. */
static char *
signed_slot(const char *slot)
{
	char text[4096];

	snprintf(text, sizeof(text), "{\"format\":1,\"region\":\"hon-quan\",\"version\":7,"
	    "\"issued\":\"2026-11-22T14:30:05+07:00\",\"targets\":\"all\",\"chunk_size\":262144,"
	    "\"slots\":[%s]}", slot);
	return sign_text(text);
}

#define ITEM_A	"{\"title\":\"A\",\"sha256\":\"" SHA_A "\",\"size\":100,\"duration\":1.0,\"file\":\"a.opus\"}"

static void
expect_slot_refused(const char *slot, enum manifest_code want, const char *text)
{
	char *env = signed_slot(slot);

	T_ASSERT(env != NULL);
	if (env != NULL)
		expect_refused(env, 0, want, text);
	free(env);
}

static void
test_schedule_checked_like_local(void)
{
	/* schedule.c's own messages, naming the setting. */
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"25:00\",\"items\":[" ITEM_A "]}",
	    MANIFEST_INVALID_SCHEDULE, "slots.[0].at: \"25:00\" is not a valid time");
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"days\":[\"mon\",\"mon\"],"
	    "\"items\":[" ITEM_A "]}", MANIFEST_INVALID_SCHEDULE, "listed twice");
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"colour\":\"red\",\"items\":["
	    ITEM_A "]}", MANIFEST_INVALID_SCHEDULE, "unknown setting 'colour'");
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"items\":[]}",
	    MANIFEST_INVALID_SCHEDULE, "items");
	expect_slot_refused("{\"title\":\"\",\"at\":\"06:00\",\"items\":[" ITEM_A "]}",
	    MANIFEST_INVALID_SCHEDULE, "slots.[0].title: is empty");
	expect_slot_refused("{\"title\":\"a\\nb\",\"at\":\"06:00\",\"items\":[" ITEM_A "]}",
	    MANIFEST_INVALID_SCHEDULE, "control character");
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"grace\":null,\"items\":["
	    ITEM_A "]}", MANIFEST_MALFORMED, "null");
	/* What only the manifest has is checked here. */
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"items\":[{\"sha256\":\"../../etc/passwd\","
	    "\"size\":1}]}", MANIFEST_MALFORMED, "slots[0].items[0] has no valid \"sha256\"");
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"items\":[{\"sha256\":\"" SHA_A
	    "\",\"size\":0}]}", MANIFEST_MALFORMED, "\"size\"");
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"items\":[" ITEM_A ","
	    "{\"sha256\":\"" SHA_A "\",\"size\":101}]}", MANIFEST_MALFORMED, "another size");
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"@include\":\"/etc/passwd\","
	    "\"items\":[" ITEM_A "]}", MANIFEST_MALFORMED, "member named \"@include\"");
}

/* Text that would end a libconfig string or start a directive stays text. */
static void
test_no_injection(void)
{
	char *env = signed_slot("{\"title\":\"x\\\"; grace = 5; items = (); } ); @include "
	    "\\\"/etc/passwd\\\" #\\\\\",\"at\":\"06:00\",\"items\":[" ITEM_A "]}"), why[512];
	enum manifest_code code;
	struct manifest *m;

	T_ASSERT(env != NULL);
	m = env != NULL ? verify(env, 0, &code, why, sizeof(why)) : NULL;
	T_ASSERT(m != NULL);
	if (m != NULL) {
		T_EQ_INT(m->sched->n_slots, 1);
		T_EQ_STR(m->sched->slots[0].title, "x\"; grace = 5; items = (); } ); @include "
		    "\"/etc/passwd\" #\\");
		T_EQ_INT(m->sched->slots[0].grace, -1);
	} else
		fprintf(stderr, "  %s\n", why);
	manifest_free(m);
	free(env);
}

static void
test_head_fields(void)
{
	char text[1024], *env;
	static const struct { const char *head, *code, *text; } cases[] = {
		{ "\"format\":5,\"region\":\"hon-quan\",\"version\":7,\"issued\":\"2026-11-22T07:30:05Z\","
		    "\"targets\":\"all\",\"chunk_size\":1024", "malformed", "format 5; this station "
		    "reads formats 1 to 4: update loaxa on the station" },
		{ "\"format\":0,\"region\":\"hon-quan\",\"version\":7,\"issued\":\"2026-11-22T07:30:05Z\","
		    "\"targets\":\"all\",\"chunk_size\":1024", "malformed", "format 0" },
		{ "\"format\":1,\"region\":\"hon-quan\",\"version\":0,\"issued\":\"2026-11-22T07:30:05Z\","
		    "\"targets\":\"all\",\"chunk_size\":1024", "malformed", "no version" },
		{ "\"format\":1,\"region\":\"hon-quan\",\"version\":7,\"issued\":\"hôm nay\","
		    "\"targets\":\"all\",\"chunk_size\":1024", "malformed", "ISO 8601" },
		{ "\"format\":1,\"region\":\"hon-quan\",\"version\":7,\"issued\":\"2026-11-22T07:30:05Z\","
		    "\"targets\":[],\"chunk_size\":1024", "malformed", "targets" },
		{ "\"format\":1,\"region\":\"hon-quan\",\"version\":7,\"issued\":\"2026-11-22T07:30:05Z\","
		    "\"targets\":\"all\",\"chunk_size\":999999", "malformed", "chunk size" },
		{ "\"format\":1,\"region\":\"hon-quan\",\"version\":7,\"issued\":\"2026-11-22T07:30:05Z\","
		    "\"targets\":\"all\",\"chunk_size\":1024", "ok", "" },
	};
	enum manifest_code code;
	struct manifest *m;
	char why[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "{%s,\"slots\":[]}", cases[i].head);
		env = sign_text(text);
		m = verify(env, 0, &code, why, sizeof(why));
		T_EQ_STR(manifest_code_name(code), cases[i].code);
		if (m == NULL)
			T_CONTAINS(why, cases[i].text);
		else {
			T_EQ_INT(m->issued_at, 1795332605);	/* 07:30:05Z is 14:30:05+07:00 */
			T_EQ_INT(m->n_slots, 0);
			T_EQ_INT(m->chunk_size, 1024);
		}
		manifest_free(m);
		free(env);
	}
}

static void
test_build_limits(void)
{
	struct manifest_item_info info[3];
	struct manifest_meta meta = { "hon-quan", 5, 0, NULL, 0, 0 };
	const char *const bad_target[] = { "Tân Thành" };
	struct schedule *s = parse_sched();
	char why[256], *text;

	fill_info(info);
	info[0].size = MANIFEST_MAX_BULLETIN + 1;
	T_ASSERT(manifest_build(s, info, 3, &meta, why, sizeof(why)) == NULL);
	T_CONTAINS(why, "larger than");
	fill_info(info);
	T_ASSERT(manifest_build(s, info, 2, &meta, why, sizeof(why)) == NULL);
	meta.targets = bad_target;
	meta.n_targets = 1;
	T_ASSERT(manifest_build(s, info, 3, &meta, why, sizeof(why)) == NULL);
	T_CONTAINS(why, "not a station id");
	meta.targets = NULL;
	meta.region = "Hòn Quán";
	T_ASSERT(manifest_build(s, info, 3, &meta, why, sizeof(why)) == NULL);
	meta.region = "hon-quan";
	text = manifest_build(s, info, 3, &meta, why, sizeof(why));
	T_ASSERT(text != NULL);
	/* Names and titles stay readable UTF-8 in the signed text. */
	T_CONTAINS(text, "\"file\":\"giảm nghèo số 1.opus\"");
	T_CONTAINS(text, "\"days\":[\"mon\",\"wed\",\"fri\"]");
	free(text);
	schedule_free(s);
}

/*
 * A version that would lock out every later schedule is refused: versions are
 * publishing times, at most a day past the manifest's own issue time, and a
 * manifest issued more than a day past a station's set clock is refused.
 * Before, "version": INT64_MAX was accepted and saved, and no manifest could
 * ever be newer.
 */
/*
 * Builds the manifest of a schedule text (*text, to free), signs it and
 * verifies it as a station would: the manifest (to free), or NULL.
 */
static struct manifest *
round_trip(const char *cfg_text, char **text)
{
	struct schedule *s = schedule_parse_string(cfg_text, "lich.cfg", "/srv/district", 0, NULL);
	struct manifest_item_info info[3];
	struct manifest_meta meta = { "hon-quan", 1795334400, 1795334400, NULL, 0, 0 };
	enum manifest_code code;
	struct manifest *m = NULL;
	char why[512], *env;

	fill_info(info);
	T_ASSERT(s != NULL);
	*text = s != NULL ? manifest_build(s, info, 3, &meta, why, sizeof(why)) : NULL;
	schedule_free(s);
	T_ASSERT(*text != NULL);
	if (*text == NULL)
		return NULL;
	env = manifest_sign(*text, g_sk);
	m = env != NULL ? verify(env, 0, &code, why, sizeof(why)) : NULL;
	if (m == NULL)
		fprintf(stderr, "  %s\n", why);
	free(env);
	return m;
}

/* A slot's volume travels in format 3, and the station checks it with schedule.c's words. */
static void
test_volume_round_trip(void)
{
	static const char *const loud =
	    "slots = ( { title = \"Sáng\"; at = \"06:00\"; volume = -4.5; tags = [ \"x\" ];\n"
	    "  items = ( { file = \"a.opus\"; }, { file = \"b.opus\"; } ); },\n"
	    "  { title = \"Chiều\"; at = \"17:00\"; items = ( { file = \"b.opus\"; } ); } );\n";
	char *text = NULL;
	struct manifest *m = round_trip(loud, &text);

	T_ASSERT(m != NULL);
	if (text != NULL) {
		T_CONTAINS(text, "\"format\":3,");
		T_CONTAINS(text, "\"volume\":-4.5");
	}
	if (m != NULL) {
		T_EQ_INT(m->sched->slots[0].has_volume, 1);
		T_ASSERT(m->sched->slots[0].volume == -4.5);
		T_EQ_INT(m->sched->slots[1].has_volume, 0);
	}
	manifest_free(m);
	free(text);
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"volume\":30,\"items\":["
	    ITEM_A "]}", MANIFEST_INVALID_SCHEDULE, "slots.[0].volume: 30 dB is out of range");
}

/*
 * A relay travels in format 4: its address, its duration in seconds, its
 * fallback bulletins as items are (fetched, recorded once per sha256), and
 * no items. info is in sched_slot_bulletin's order: slot 0's fallback a and
 * b, then slot 1's item b.
 */
static void
test_relay_round_trip(void)
{
	static const char *const relay =
	    "slots = ( { title = \"Tiếp sóng Đài tỉnh\"; at = \"2027-06-01 05:30\";\n"
	    "  relay = \"http://radio.tinh.example:8000/kenh1\"; duration = \"30m\";\n"
	    "  fallback = ( { file = \"nhạc nền.opus\"; tags = [ \"tiep-song\" ]; },\n"
	    "               { file = \"b.opus\"; } ); },\n"
	    "  { title = \"Chiều\"; at = \"17:00\"; items = ( { file = \"b.opus\"; } ); } );\n";
	char *text = NULL;
	struct manifest *m = round_trip(relay, &text);
	const struct sched_slot *a;
	const char *p;
	int n;

	T_ASSERT(m != NULL);
	if (text != NULL) {
		T_CONTAINS(text, "\"format\":4,");
		T_CONTAINS(text, "\"relay\":\"http://radio.tinh.example:8000/kenh1\",\"duration\":1800,"
		    "\"fallback\":[{\"title\":\"nhạc nền\",\"sha256\":\"" SHA_A "\",\"size\":600000,"
		    "\"duration\":252.4");
		T_CONTAINS(text, "\"file\":\"nhạc nền.opus\",\"tags\":[\"tiep-song\"]}");
		/* Only the second slot has items. */
		for (p = text, n = 0; (p = strstr(p, "\"items\"")) != NULL; p++)
			n++;
		T_EQ_INT(n, 1);
		T_ASSERT(strstr(text, "\"items\"") > strstr(text, "\"fallback\""));
	}
	if (m != NULL) {
		a = &m->sched->slots[0];
		T_EQ_STR(a->relay, "http://radio.tinh.example:8000/kenh1");
		T_EQ_INT(a->duration, 1800);
		T_EQ_INT(a->n_items, 0);
		T_ASSERT(a->items == NULL);
		T_EQ_INT(a->n_fallback, 2);
		if (a->n_fallback == 2) {
			T_EQ_STR(a->fallback[0].file, BDIR "/" SHA_A ".opus");
			T_EQ_STR(a->fallback[0].title, "nhạc nền");
			T_EQ_INT(a->fallback[0].tags.n, 1);
			T_EQ_STR(a->fallback[1].file, BDIR "/" SHA_B ".opus");
		}
		T_ASSERT(m->sched->slots[1].relay == NULL);
		T_EQ_STR(m->sched->slots[1].items[0].file, BDIR "/" SHA_B ".opus");
		/* The fallback's bulletins are fetched and kept like the items': b once. */
		T_EQ_INT(m->n_bulletins, 2);
		T_ASSERT(manifest_bulletin_find(m, SHA_A) != NULL);
		T_ASSERT(manifest_bulletin_find(m, SHA_B) != NULL);
		if (m->n_bulletins == 2) {
			T_EQ_STR(m->bulletins[0].file, "nhạc nền.opus");
			T_EQ_INT(m->bulletins[0].chunks, 3);
			T_EQ_INT(m->total_bytes, 601000);
		}
	}
	manifest_free(m);
	free(text);
}

/* A relay in a manifest passes schedule.c's checks, with its words. */
static void
test_relay_refused(void)
{
	struct schedule *s = schedule_parse_string("slots = ( { title = \"T\"; at = \"05:30\";\n"
	    "  relay = \"http://r.example/k\"; duration = 60; fallback = ( { file = \"a.opus\"; } );"
	    " } );", "lich.cfg", "/srv/district", 0, NULL);
	struct manifest_item_info info[3];
	struct manifest_meta meta = { "hon-quan", 1795334400, 1795334400, NULL, 0, 0 };
	char why[512], *text;

	expect_slot_refused("{\"title\":\"T\",\"at\":\"05:30\",\"relay\":\"ftp://r.example/k\","
	    "\"duration\":60}", MANIFEST_INVALID_SCHEDULE, "slots.[0].relay: \"ftp://r.example/k\" "
	    "cannot be relayed: the address must start with http:// or https://");
	expect_slot_refused("{\"title\":\"T\",\"at\":\"05:30\",\"relay\":\"http://r.example/k\","
	    "\"duration\":60,\"items\":[" ITEM_A "]}", MANIFEST_INVALID_SCHEDULE,
	    "slots.[0].items: a slot plays bulletins or relays a stream, not both");
	expect_slot_refused("{\"title\":\"T\",\"at\":\"05:30\",\"relay\":\"http://r.example/k\"}",
	    MANIFEST_INVALID_SCHEDULE, "slots.[0].duration: this required setting is missing");
	expect_slot_refused("{\"title\":\"T\",\"at\":\"05:30\",\"relay\":\"http://r.example/k\","
	    "\"duration\":90000}", MANIFEST_INVALID_SCHEDULE, "slots.[0].duration: 90000 is out "
	    "of range");
	expect_slot_refused("{\"title\":\"T\",\"at\":\"05:30\",\"relay\":\"http://r.example/k\","
	    "\"duration\":60,\"fallback\":[{\"title\":\"A\",\"size\":100}]}", MANIFEST_MALFORMED,
	    "slots[0].fallback[0] has no valid \"sha256\"");
	/* publish measures each bulletin, fallback too: one info short is refused. */
	T_ASSERT(s != NULL);
	if (s == NULL)
		return;
	fill_info(info);
	T_ASSERT(manifest_build(s, info, 0, &meta, why, sizeof(why)) == NULL);
	text = manifest_build(s, info, 1, &meta, why, sizeof(why));
	T_ASSERT(text != NULL);
	T_ASSERT(text != NULL && strstr(text, "\"fallback\":[{\"title\":\"a\",\"sha256\":\"" SHA_A)
	    != NULL);
	free(text);
	schedule_free(s);
}

/* Tags travel: the slot's on the slot, the rest on the item; the station's items have both. */
static void
test_tags_round_trip(void)
{
	static const char *const tagged =
	    "slots = ( { title = \"Sáng\"; at = \"06:00\"; tags = [ \"giam-ngheo\" ];\n"
	    "  items = ( { file = \"a.opus\"; tags = [ \"du-an-6\", \"giam-ngheo\" ]; },\n"
	    "            { file = \"b.opus\"; } ); },\n"
	    "  { title = \"Chiều\"; at = \"17:00\"; items = ( { file = \"b.opus\"; } ); } );\n";
	struct manifest_item_info info[3];
	struct manifest_meta meta = { "hon-quan", 1795334400, 1795334400, NULL, 0, 0 };
	struct schedule *s;
	char why[512], *text = NULL;
	struct manifest *m = round_trip(tagged, &text);
	const struct sched_slot *a;

	fill_info(info);
	if (text != NULL) {
		T_CONTAINS(text, "\"format\":2,");
		T_CONTAINS(text, "\"tags\":[\"giam-ngheo\"],\"items\"");
		T_CONTAINS(text, "\"file\":\"a.opus\",\"tags\":[\"du-an-6\"]}");
	}
	T_ASSERT(m != NULL);
	if (m != NULL) {
		a = &m->sched->slots[0];
		T_EQ_INT(a->tags.n, 1);
		T_EQ_INT(a->items[0].tags.n, 2);
		if (a->items[0].tags.n == 2) {
			T_EQ_STR(a->items[0].tags.v[0], "giam-ngheo");
			T_EQ_STR(a->items[0].tags.v[1], "du-an-6");
		}
		T_EQ_INT(a->items[1].tags.n, 1);
		T_EQ_INT(m->sched->slots[1].items[0].tags.n, 0);
	}
	manifest_free(m);
	free(text);
	/* Without tags, format 1, which every station reads. */
	s = parse_sched();
	text = manifest_build(s, info, 3, &meta, why, sizeof(why));
	schedule_free(s);
	T_ASSERT(text != NULL && strstr(text, "\"format\":1,") != NULL);
	T_ASSERT(text != NULL && strstr(text, "tags") == NULL);
	free(text);
	/* A bad tag is refused with schedule.c's words. */
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"tags\":[\" x\"],\"items\":["
	    ITEM_A "]}", MANIFEST_INVALID_SCHEDULE, "slots.[0].tags.[0]: \" x\": a tag starts or "
	    "ends with a space");
	expect_slot_refused("{\"title\":\"Sáng\",\"at\":\"06:00\",\"items\":[{\"title\":\"A\","
	    "\"sha256\":\"" SHA_A "\",\"size\":100,\"tags\":[\"a\",7]}]}",
	    MANIFEST_INVALID_SCHEDULE, "slots.[0].items.[0].tags.[1]: must be a tag in double "
	    "quotes");
}

static void
test_version_lockout_refused(void)
{
	struct manifest_check chk = { g_pk, "hon-quan", "tan-thanh", 0, BDIR, 0 };
	char *env, *text, *at, *forged, why[512];
	enum manifest_code code;
	struct manifest *m;
	int64_t version;
	size_t n;

	T_ASSERT(make_envelope("hon-quan", INT64_MAX, NULL, 0, g_sk) == NULL);
	env = make_envelope("hon-quan", 1795334400, NULL, 0, g_sk);
	T_ASSERT(env != NULL);
	if (env == NULL)
		return;
	m = verify(env, 0, &code, why, sizeof(why));
	T_ASSERT(m != NULL);
	text = m != NULL ? strdup(m->text) : NULL;
	manifest_free(m);
	at = text != NULL ? strstr(text, "\"version\":1795334400") : NULL;
	T_ASSERT(at != NULL);
	if (at != NULL && (forged = malloc(strlen(text) + 32)) != NULL) {
		n = (size_t)(at - text);
		snprintf(forged, strlen(text) + 32, "%.*s\"version\":9223372036854775807%s",
		    (int)n, text, at + strlen("\"version\":1795334400"));
		free(env);
		env = manifest_sign(forged, g_sk);
		expect_refused(env, 0, MANIFEST_MALFORMED, "more than a day past its issue time");
		free(forged);
	}
	free(env);
	/* Issued two days past a station's set clock. */
	env = make_envelope("hon-quan", 1795334400, NULL, 0, g_sk);
	chk.trusted_now = 1795334400 - 2 * 86400;
	m = env != NULL ? manifest_verify(env, strlen(env), &chk, &code, &version, why,
	    sizeof(why)) : NULL;
	T_ASSERT(m == NULL);
	T_CONTAINS(why, "past this station's clock");
	manifest_free(m);
	free(env);
	free(text);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(g_pk, g_sk);
	crypto_sign_keypair(g_pk2, g_sk2);
	T_RUN(test_keygen_files);
	T_RUN(test_key_text);
	T_RUN(test_round_trip);
	T_RUN(test_refusals_in_order);
	T_RUN(test_envelope_strict);
	T_RUN(test_schedule_checked_like_local);
	T_RUN(test_no_injection);
	T_RUN(test_head_fields);
	T_RUN(test_build_limits);
	T_RUN(test_version_lockout_refused);
	T_RUN(test_tags_round_trip);
	T_RUN(test_volume_round_trip);
	T_RUN(test_relay_round_trip);
	T_RUN(test_relay_refused);
	return T_EXIT();
}
