/*
 * libFuzzer target over what a station receives on its manifest topic:
 * manifest_verify() on arbitrary bytes. The first byte picks the mode:
 * even, the rest is the payload as it came off the broker (envelope,
 * signature); odd, the rest is a manifest text that the fuzzer's own district
 * key signs, so that the parsing behind the signature (the slots written back
 * as libconfig text for schedule.c) is reached too. Whatever verifies must
 * survive a round trip: built again from the schedule it gave, signed and
 * verified, it gives the same slots.
 * Build and run (from the top of the tree): make fuzz-build, then
 *   LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp build-fuzz/fuzz/fuzz_manifest \
 *     -max_total_time=60 -max_len=4096 tests/fuzz/corpus/fuzz_manifest
 * (libconfig 1.5 leaks on some syntax errors: see tests/fuzz/lsan.supp).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config/schedule.h"
#include "daemon/proto/manifest.h"

#define BDIR	"/var/lib/loaxa/bulletins"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char g_pk[KEYS_PUBLIC_BYTES], g_sk[KEYS_SECRET_BYTES];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[crypto_sign_SEEDBYTES] = { 'l', 'o', 'a', 'x', 'a' };

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	crypto_sign_seed_keypair(g_pk, g_sk, seed);
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	return 0;
}

static struct manifest *
verify(const char *payload, size_t len, int64_t newest)
{
	struct manifest_check chk = { g_pk, "hon-quan", "tan-thanh", newest, BDIR, 0 };
	enum manifest_code code;
	int64_t version;
	char why[512];
	struct manifest *m = manifest_verify(payload, len, &chk, &code, &version, why, sizeof(why));

	/* A refusal always says why, and only a refusal does. */
	if ((m == NULL) != (code != MANIFEST_OK) || (m == NULL && why[0] == '\0'))
		abort();
	return m;
}

/* The measured items of s, as publish would give them, from m's bulletins. */
static int
items_of(const struct manifest *m, const struct schedule *s, struct manifest_item_info *info,
    size_t max, size_t *n)
{
	const struct manifest_bulletin *b;
	const char *base;
	char sha[65];
	size_t i, j;

	for (*n = 0, i = 0; i < s->n_slots; i++) {
		for (j = 0; j < sched_slot_bulletins(&s->slots[i]); j++) {
			base = strrchr(sched_slot_bulletin(&s->slots[i], j)->file, '/');
			if (*n == max || base == NULL || strlen(base + 1) != 64 + 5)
				return -1;
			memcpy(sha, base + 1, 64);
			sha[64] = '\0';
			if ((b = manifest_bulletin_find(m, sha)) == NULL)
				abort();	/* an item whose bulletin the manifest does not list */
			memcpy(info[*n].sha256, sha, 65);
			info[*n].size = b->size;
			info[*n].duration = b->duration;
			(*n)++;
		}
	}
	return 0;
}

/* The same tags in the same order. */
static int
tags_equal(const struct tags *a, const struct tags *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

static int
slots_equal(const struct sched_slot *a, const struct sched_slot *b)
{
	const struct sched_item *x, *y;
	size_t i;

	if (strcmp(a->title, b->title) || a->once != b->once || a->hh != b->hh || a->mm != b->mm ||
	    a->ss != b->ss || a->grace != b->grace || a->cls != b->cls || a->n_items != b->n_items ||
	    a->n_fallback != b->n_fallback || a->duration != b->duration ||
	    (a->relay == NULL) != (b->relay == NULL) ||
	    (a->relay != NULL && strcmp(a->relay, b->relay) != 0))
		return 0;
	if (a->once ? memcmp(&a->date, &b->date, sizeof(a->date)) != 0 :
	    a->days != b->days || memcmp(&a->from, &b->from, sizeof(a->from)) != 0 ||
	    memcmp(&a->until, &b->until, sizeof(a->until)) != 0)
		return 0;
	for (i = 0; i < sched_slot_bulletins(a); i++) {
		x = sched_slot_bulletin(a, i);
		y = sched_slot_bulletin(b, i);
		if (strcmp(x->file, y->file) || strcmp(x->title, y->title) ||
		    !tags_equal(&x->tags, &y->tags))
			return 0;
	}
	return tags_equal(&a->tags, &b->tags);
}

static void
round_trip(struct manifest *m)
{
	static struct manifest_item_info info[2048];
	struct manifest_meta meta = { "hon-quan", m->version, m->issued_at, NULL, 0, m->chunk_size };
	struct manifest *again;
	char why[256], *text, *env;
	size_t n, i;

	if (items_of(m, m->sched, info, 2048, &n) < 0)
		return;
	if ((text = manifest_build(m->sched, info, n, &meta, why, sizeof(why))) == NULL)
		return;		/* past a limit of the builder: fine */
	env = manifest_sign(text, g_sk);
	free(text);
	if (env == NULL)
		abort();
	if ((again = verify(env, strlen(env), 0)) == NULL || again->sched->n_slots != m->sched->n_slots ||
	    again->n_bulletins != m->n_bulletins)
		abort();
	for (i = 0; i < m->sched->n_slots; i++)
		if (!slots_equal(&m->sched->slots[i], &again->sched->slots[i]))
			abort();
	manifest_free(again);
	/* The same manifest again is refused as not newer. */
	if ((again = verify(env, strlen(env), m->version)) != NULL)
		abort();
	free(env);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest *m;
	char *text, *env;

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		manifest_free(verify((const char *)data + 1, size - 1, 0));
		return 0;
	}
	if ((text = strndup((const char *)data + 1, size - 1)) == NULL)
		return 0;
	env = manifest_sign(text, g_sk);
	free(text);
	if (env == NULL)
		return 0;
	m = verify(env, strlen(env), 0);
	if (m != NULL)
		round_trip(m);
	manifest_free(m);
	free(env);
	return 0;
}
