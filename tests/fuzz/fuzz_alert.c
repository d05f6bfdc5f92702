/*
 * libFuzzer target over what a station receives on its alert topics:
 * alert_verify() on arbitrary bytes. The first byte picks the mode: even,
 * the rest is the payload as it came off the broker (envelope, signature);
 * odd, the rest is an alert text that the fuzzer's own district key signs, so
 * that the parsing behind the signature is reached too. Whatever verifies
 * must survive a round trip: built again from what it gave, signed and
 * verified, it gives the same alert.
 * Build and run (from the top of the tree): make fuzz-build, then
 *   build-fuzz/fuzz/fuzz_alert -max_total_time=60 -max_len=4096 tests/fuzz/corpus/fuzz_alert
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/proto/alert_msg.h"

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

static struct alert_msg *
verify(const char *payload, size_t len)
{
	/* "now" is fixed so that a run is reproducible: 2026-11-22T08:00:00Z. */
	struct alert_check chk = { g_pk, "hon-quan", "tan-thanh", NULL, 0, 1795334400 };
	enum alert_code code;
	int64_t seq;
	char why[512];
	struct alert_msg *a = alert_verify(payload, len, &chk, &code, &seq, why, sizeof(why));

	/* A refusal always says why, and only a refusal does. */
	if ((a == NULL) != (code != ALERT_OK) || (a == NULL && why[0] == '\0'))
		abort();
	return a;
}

static void
round_trip(const struct alert_msg *a)
{
	struct alert_meta m = { .id = a->id, .region = a->region, .title = a->title,
	    .sequence = a->sequence, .issued_ms = a->issued_ms, .cls = a->cls, .stream = a->stream,
	    .sha256 = a->sha256, .file = a->file, .size = a->size, .duration = a->duration,
	    .chunk_size = a->chunk_size, .repeat = a->repeat, .until = a->until, .targets = NULL,
	    .n_targets = 0, .test = a->test };
	char why[256], *text, *env;
	struct alert_msg *b;

	if (a->cancel)
		text = alert_build_cancel(a->id, a->region, a->sequence, a->issued_ms);
	else
		text = alert_build(&m, why, sizeof(why));
	if (text == NULL)
		return;		/* e.g. an issue time the builder cannot write back */
	env = alert_sign(text, g_sk);
	free(text);
	if (env == NULL)
		abort();
	b = verify(env, strlen(env));
	free(env);
	if (b == NULL)
		return;		/* the ISO time written back in another zone may round differently */
	if (b->cancel != a->cancel || strcmp(b->id, a->id) != 0 || b->sequence != a->sequence ||
	    (!a->cancel && (strcmp(b->title, a->title) != 0 || strcmp(b->sha256, a->sha256) != 0 ||
	    b->size != a->size || b->repeat != a->repeat || b->cls != a->cls || b->test != a->test ||
	    (b->stream == NULL) != (a->stream == NULL) ||
	    (a->stream != NULL && strcmp(b->stream, a->stream) != 0))))
		abort();
	alert_msg_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alert_msg *a;
	char *text, *env;

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		a = verify((const char *)data + 1, size - 1);
	} else {
		if ((text = malloc(size)) == NULL)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		env = alert_sign(text, g_sk);
		free(text);
		if (env == NULL)
			return 0;
		a = verify(env, strlen(env));
		free(env);
	}
	if (a != NULL)
		round_trip(a);
	alert_msg_free(a);
	return 0;
}
