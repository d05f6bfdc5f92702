/*
 * A district manifest signed again with another version, for `make bench`
 * (figure 10): reads an envelope that `loaxactl publish` put on the broker,
 * sets the manifest's "version" to VERSION and signs it with the district's
 * secret key, as loaxactl does (manifest_sign). So the bench can make a
 * station fetch the same 64 MiB bulletin again and again without decoding
 * and sending it each time on the machine it measures. Prints the envelope.
 * Usage: resign KEYFILE VERSION < ENVELOPE > ENVELOPE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "config/keys.h"
#include "daemon/proto/manifest.h"

int
main(int argc, char **argv)
{
	unsigned char sk[KEYS_SECRET_BYTES];
	json_t *env = NULL, *m = NULL;
	json_error_t jerr;
	char why[512], *text = NULL, *out = NULL, *end;
	long long version;
	int rc = 1;

	if (argc != 3 || (version = strtoll(argv[2], &end, 10)) <= 0 || *end != '\0') {
		fprintf(stderr, "usage: resign KEYFILE VERSION < ENVELOPE\n");
		return 2;
	}
	if (sodium_init() < 0 || keys_load_secret(argv[1], sk, why, sizeof(why)) < 0) {
		fprintf(stderr, "resign: %s\n", why);
		return 1;
	}
	if ((env = json_loadf(stdin, 0, &jerr)) == NULL ||
	    (m = json_loads(json_string_value(json_object_get(env, "manifest")) != NULL ?
	    json_string_value(json_object_get(env, "manifest")) : "", 0, &jerr)) == NULL) {
		fprintf(stderr, "resign: not an envelope with a manifest: %s\n", jerr.text);
		goto done;
	}
	if (json_object_set_new(m, "version", json_integer(version)) < 0 ||
	    (text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL ||
	    (out = manifest_sign(text, sk)) == NULL) {
		fprintf(stderr, "resign: out of memory\n");
		goto done;
	}
	printf("%s", out);
	rc = 0;
done:
	sodium_memzero(sk, sizeof(sk));
	free(out);
	free(text);
	json_decref(m);
	json_decref(env);
	return rc;
}
