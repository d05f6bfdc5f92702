/*
 * The signed envelope the district wraps its manifests and alerts in: pure
 * functions (no I/O; the keys are parameters) to sign a text at the district
 * and to open an envelope on the station. One home for the checks, so that
 * the schedule and the alerts are held to the same rules.
 *
 *   {"<field>":"<the signed JSON text>","signature":"<base64>","key_id":"<hex>"}
 *
 * <field> is "manifest" or "alert". The Ed25519 signature covers the exact
 * bytes of the text, carried as a string, so no JSON canonicalisation is
 * needed. key_id names the signing key (keys_id()) for people; it is required,
 * but only the signature decides whether the envelope came from the district.
 */
#ifndef LOAXA_ENVELOPE_H
#define LOAXA_ENVELOPE_H

#include <stddef.h>

#include "config/keys.h"

/* Why an envelope was refused; the manifest and alert codes of the same names. */
enum envelope_code {
	ENVELOPE_OK = 0,
	ENVELOPE_TOO_LARGE,	/* "too_large" */
	ENVELOPE_NOT_JSON,	/* "not_json": not JSON at all (or a NUL byte) */
	ENVELOPE_MALFORMED,	/* "malformed": JSON, but not a signed envelope */
	ENVELOPE_BAD_SIGNATURE,	/* "bad_signature": another key, or altered on the way */
	ENVELOPE_NO_MEMORY,	/* "no_memory": also the crypto library not starting */
};

struct envelope_check {
	const char	*field;		/* the member holding the signed text: "manifest" */
	const char	*what;		/* for people: _("manifest"), _("alert") */
	size_t		 max_bytes;	/* the whole envelope */
	const unsigned char *public_key;	/* KEYS_PUBLIC_BYTES: the district key trusted */
};

/*
 * The envelope to publish: text signed with sk, under field. NULL when
 * memory is short or the crypto library cannot start.
 */
char	*envelope_sign(const char *field, const char *text,
	    const unsigned char sk[KEYS_SECRET_BYTES]);

/*
 * Checks payload in this order: size, not empty, no NUL byte, JSON, an object with the
 * three members as strings, the signature. The signed text (the caller's to
 * free) with key_id set to the trusted key's id; or NULL with *code and a
 * sentence for people in why. A key id from the message that goes into why
 * is cut at a character boundary, never inside a UTF-8 sequence.
 */
char	*envelope_open(const void *payload, size_t len, const struct envelope_check *chk,
	    enum envelope_code *code, char key_id[KEYS_ID_HEX + 1], char *why, size_t whylen);

#endif
