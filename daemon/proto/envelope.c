/*
 * The district's signed envelope (see envelope.h): signing at the district,
 * opening on the station. The manifest and the alert used to check it each
 * in their own way; here each check is the stricter of the two, so neither
 * kind of message is easier to slip past a station than the other.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "config/i18n.h"
#include "daemon/proto/envelope.h"

/* A key id quoted in a reason: the bytes of a real one, "…" and the NUL. */
#define ENV_QUOTE_MAX	(KEYS_ID_HEX + sizeof("…"))

struct env_vfy {
	enum envelope_code *code;
	char	*why;
	size_t	 whylen;
};

static void
env_fail(struct env_vfy *v, enum envelope_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
env_fail(struct env_vfy *v, enum envelope_code code, const char *fmt, ...)
{
	va_list ap;

	*v->code = code;
	if (v->why == NULL || v->whylen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(v->why, v->whylen, fmt, ap);
	va_end(ap);
}

char *
envelope_sign(const char *field, const char *text, const unsigned char sk[KEYS_SECRET_BYTES])
{
	unsigned char sig[crypto_sign_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	char id[KEYS_ID_HEX + 1], *out;
	json_t *env;

	if (sodium_init() < 0)
		return NULL;
	crypto_sign_detached(sig, NULL, (const unsigned char *)text, strlen(text), sk);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	keys_id(sk + crypto_sign_SEEDBYTES, id);	/* the public half of a libsodium secret key */
	env = json_pack("{s:s, s:s, s:s}", field, text, "signature", b64, "key_id", id);
	out = env != NULL ? json_dumps(env, JSON_COMPACT) : NULL;
	json_decref(env);
	return out;
}

/*
 * The key id a message names, fit for a reason: at most the KEYS_ID_HEX bytes
 * a real one has. A longer one is cut before the first UTF-8 sequence that
 * would not fit whole, and "…" shows the cut; a control character becomes
 * '?', so that a message cannot break a log line. (The text is valid UTF-8:
 * jansson refuses anything else.)
 */
static void
env_quote_id(const char *s, char out[ENV_QUOTE_MAX])
{
	size_t n = strlen(s), cut = n, i;

	if (n > KEYS_ID_HEX) {
		cut = KEYS_ID_HEX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;	/* s[cut] continues a character begun before it */
	}
	for (i = 0; i < cut; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[cut] = '\0';
	if (cut < n)
		memcpy(out + cut, "…", sizeof("…"));
}

/* The signature is not the trusted key's: say whose it claims to be, if another. */
static void
env_bad_signature(struct env_vfy *v, const char *theirs, const char *ours)
{
	char quoted[ENV_QUOTE_MAX];

	/* The whole id is compared: one that only starts like ours is another key's. */
	if (theirs[0] != '\0' && strcmp(theirs, ours) != 0) {
		env_quote_id(theirs, quoted);
		env_fail(v, ENVELOPE_BAD_SIGNATURE, _("it is signed by key %s, not by the district "
		    "key this station trusts (%s): it did not come from the district"), quoted, ours);
	} else
		env_fail(v, ENVELOPE_BAD_SIGNATURE, _("its signature does not match the district key "
		    "(%s): it did not come from the district, or it was altered on the way"), ours);
}

/* The signed text inside env, once its members and its signature are right; else NULL. */
static const char *
env_verify(struct env_vfy *v, const struct envelope_check *chk, json_t *env,
    char key_id[KEYS_ID_HEX + 1])
{
	unsigned char sig[crypto_sign_BYTES];
	json_t *text = json_object_get(env, chk->field), *b64 = json_object_get(env, "signature");
	json_t *kid = json_object_get(env, "key_id");
	char ours[KEYS_ID_HEX + 1];
	size_t got = 0;

	keys_id(chk->public_key, ours);
	if (!json_is_object(env)) {
		env_fail(v, ENVELOPE_MALFORMED, _("it is JSON but not a signed loaxa %s: it is not an "
		    "object with \"%s\", \"signature\" and \"key_id\""), chk->what, chk->field);
		return NULL;
	}
	if (!json_is_string(text) || !json_is_string(b64) || !json_is_string(kid)) {
		env_fail(v, ENVELOPE_MALFORMED, _("it is JSON but not a signed loaxa %s: it lacks "
		    "\"%s\", \"signature\" or \"key_id\" text"), chk->what, chk->field);
		return NULL;
	}
	if (sodium_base642bin(sig, sizeof(sig), json_string_value(b64), json_string_length(b64),
	    NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got != sizeof(sig)) {
		env_fail(v, ENVELOPE_MALFORMED, _("its signature is not %d bytes of base64"),
		    crypto_sign_BYTES);
		return NULL;
	}
	if (crypto_sign_verify_detached(sig, (const unsigned char *)json_string_value(text),
	    json_string_length(text), chk->public_key) != 0) {
		env_bad_signature(v, json_string_value(kid), ours);
		return NULL;
	}
	memcpy(key_id, ours, sizeof(ours));
	return json_string_value(text);
}

char *
envelope_open(const void *payload, size_t len, const struct envelope_check *chk,
    enum envelope_code *code, char key_id[KEYS_ID_HEX + 1], char *why, size_t whylen)
{
	struct env_vfy v = { code, why, whylen };
	const char *signed_text;
	char *text = NULL;
	json_error_t err;
	json_t *env;

	*code = ENVELOPE_OK;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (sodium_init() < 0)
		return env_fail(&v, ENVELOPE_NO_MEMORY, _("the crypto library cannot start")), NULL;
	if (len > chk->max_bytes)
		return env_fail(&v, ENVELOPE_TOO_LARGE, _("it is %zu bytes, more than the %zu bytes "
		    "a station accepts"), len, chk->max_bytes), NULL;
	/* A retained message cleared by hand comes empty, and its payload may be NULL. */
	if (len == 0)
		return env_fail(&v, ENVELOPE_NOT_JSON, _("it is not a signed loaxa %s: it is empty"),
		    chk->what), NULL;
	/* No JSON text holds a NUL byte: refused before parsing, with a reason that says so. */
	if (memchr(payload, '\0', len) != NULL)
		return env_fail(&v, ENVELOPE_NOT_JSON, _("it is not a signed loaxa %s: it holds a "
		    "NUL byte"), chk->what), NULL;
	if ((env = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &err)) == NULL)
		return env_fail(&v, ENVELOPE_NOT_JSON, _("it is not a signed loaxa %s: not JSON (%s, "
		    "at byte %d)"), chk->what, err.text, err.position), NULL;
	if ((signed_text = env_verify(&v, chk, env, key_id)) != NULL &&
	    (text = strdup(signed_text)) == NULL)
		env_fail(&v, ENVELOPE_NO_MEMORY, _("out of memory"));
	json_decref(env);
	return text;
}
