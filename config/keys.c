/*
 * District key files: small text files with a format line and the key in
 * base64, so that a technician can tell a public key from a secret one by
 * looking at it, and a key copied through e-mail or a chat survives.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "config/readfile.h"
#include "config/keys.h"

#define KEYS_PUBLIC_TAG	"loaxa-ed25519-public-v1"
#define KEYS_SECRET_TAG	"loaxa-ed25519-secret-v1"
#define KEYS_B64_MAX	128	/* base64 of 64 bytes is 88 characters */

void
keys_id(const unsigned char pk[KEYS_PUBLIC_BYTES], char id[KEYS_ID_HEX + 1])
{
	sodium_bin2hex(id, KEYS_ID_HEX + 1, pk, KEYS_ID_HEX / 2);
}

/* The next line of *p that is not blank or a comment, trimmed, into line. 1, 0 at the end, -1 too long. */
static int
keys_next_line(const char **p, char *line, size_t len)
{
	const char *s, *e;
	size_t n;

	while (**p != '\0') {
		s = *p;
		e = strchr(s, '\n');
		*p = e != NULL ? e + 1 : s + strlen(s);
		if (e == NULL)
			e = s + strlen(s);
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s == e || *s == '#')
			continue;
		if ((n = (size_t)(e - s)) >= len)
			return -1;
		memcpy(line, s, n);
		line[n] = '\0';
		return 1;
	}
	return 0;
}

/* Parses "TAG\nBASE64\n" with comments into key[n]. */
static int
keys_parse(const char *text, const char *tag, const char *other_tag, unsigned char *key,
    size_t n, char *why, size_t whylen)
{
	char line[KEYS_B64_MAX + 1] = "";
	const char *p = text;
	size_t got = 0;

	if (keys_next_line(&p, line, sizeof(line)) != 1 || strcmp(line, tag) != 0) {
		if (strcmp(line, other_tag) == 0 && strstr(tag, "public") != NULL)
			errlist_why(why, whylen, _("it is a secret key, not a public key; give the "
			    "stations the .pub file and keep the secret key at the district office"));
		else if (strcmp(line, other_tag) == 0)
			errlist_why(why, whylen, _("it is a public key; publishing needs the secret "
			    "key file made by 'loaxactl keygen' (the one without .pub)"));
		else
			errlist_why(why, whylen, _("it is not a loaxa key file (its first line should "
			    "be \"%s\"); make keys with 'loaxactl keygen'"), tag);
		return -EINVAL;
	}
	if (keys_next_line(&p, line, sizeof(line)) != 1 ||
	    sodium_base642bin(key, n, line, strlen(line), NULL, &got, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || got != n) {
		errlist_why(why, whylen, _("the key in it is damaged (not %zu bytes of base64); "
		    "copy the file again from the district office"), n);
		return -EINVAL;
	}
	if (keys_next_line(&p, line, sizeof(line)) != 0) {
		errlist_why(why, whylen, _("it has more lines than a key file has; copy the file "
		    "again from the district office"));
		return -EINVAL;
	}
	return 0;
}

int
keys_parse_public(const char *text, unsigned char pk[KEYS_PUBLIC_BYTES], char *why,
    size_t whylen)
{
	if (sodium_init() < 0)
		return -EIO;
	return keys_parse(text, KEYS_PUBLIC_TAG, KEYS_SECRET_TAG, pk, KEYS_PUBLIC_BYTES, why,
	    whylen);
}

int
keys_parse_secret(const char *text, unsigned char sk[KEYS_SECRET_BYTES], char *why,
    size_t whylen)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], again[KEYS_SECRET_BYTES];
	int rc;

	if (sodium_init() < 0)
		return -EIO;
	rc = keys_parse(text, KEYS_SECRET_TAG, KEYS_PUBLIC_TAG, sk, KEYS_SECRET_BYTES, why,
	    whylen);
	if (rc < 0)
		return rc;
	/* libsodium's secret key is the seed and the public key: they must agree. */
	if (crypto_sign_seed_keypair(pk, again, sk) != 0 ||
	    memcmp(pk, sk + crypto_sign_SEEDBYTES, sizeof(pk)) != 0) {
		sodium_memzero(again, sizeof(again));
		sodium_memzero(sk, KEYS_SECRET_BYTES);
		errlist_why(why, whylen, _("the key in it is damaged; use a copy of the file or "
		    "make a new key pair"));
		return -EINVAL;
	}
	sodium_memzero(again, sizeof(again));
	sodium_memzero(pk, sizeof(pk));
	return 0;
}

static int
keys_read(const char *path, char **text, char *why, size_t whylen)
{
	int rc = readfile_text(path, KEYS_FILE_MAX, text);

	if (rc == -EFBIG)
		errlist_why(why, whylen, _("cannot use \"%s\": it is too large to be a key file; "
		    "name the key file made by 'loaxactl keygen'"), path);
	else if (rc == -ENOENT)
		errlist_why(why, whylen, _("the key file \"%s\" does not exist; copy the district's "
		    "public key there (made by 'loaxactl keygen'), or correct the path"), path);
	else if (rc < 0)
		errlist_why(why, whylen, _("cannot read the key file \"%s\": %s"), path, readfile_strerror(rc));
	return rc;
}

/* The key file at path, read and parsed; its text is wiped, as it may hold a secret. */
static int
keys_load(const char *path, int (*parse)(const char *, unsigned char *, char *, size_t),
    unsigned char *key, char *why, size_t whylen)
{
	char reason[256], *text = NULL;
	int rc;

	if ((rc = keys_read(path, &text, why, whylen)) < 0)
		return rc;
	rc = parse(text, key, reason, sizeof(reason));
	sodium_memzero(text, strlen(text));
	free(text);
	if (rc < 0)
		errlist_why(why, whylen, _("cannot use the key file \"%s\": %s"), path, reason);
	return rc;
}

int
keys_load_public(const char *path, unsigned char pk[KEYS_PUBLIC_BYTES], char *why,
    size_t whylen)
{
	return keys_load(path, keys_parse_public, pk, why, whylen);
}

int
keys_load_secret(const char *path, unsigned char sk[KEYS_SECRET_BYTES], char *why,
    size_t whylen)
{
	struct stat st;
	int rc;

	if ((rc = keys_load(path, keys_parse_secret, sk, why, whylen)) < 0)
		return rc;
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
		sodium_memzero(sk, KEYS_SECRET_BYTES);
		errlist_why(why, whylen, _("the secret key \"%s\" may be read by others (mode %04o); "
		    "anyone who reads it can make the loudspeakers speak: chmod 600 it"), path,
		    (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int
keys_format(char *buf, size_t len, const char *comment, const char *tag, const unsigned char *key,
    size_t n, const char *id)
{
	char b64[KEYS_B64_MAX + 1];
	int rc;

	sodium_bin2base64(b64, sizeof(b64), key, n, sodium_base64_VARIANT_ORIGINAL);
	rc = snprintf(buf, len, "# %s\n# key id %s\n%s\n%s\n", comment, id, tag, b64);
	sodium_memzero(b64, sizeof(b64));
	return rc < 0 || (size_t)rc >= len ? -ENOSPC : 0;
}

int
keys_make(struct keys_texts *out)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES];
	char id[KEYS_ID_HEX + 1];
	int rc;

	if (sodium_init() < 0)
		return -EIO;
	crypto_sign_keypair(pk, sk);
	keys_id(pk, id);
	rc = keys_format(out->secret, sizeof(out->secret), _("loaxa district SECRET key: keep it "
	    "at the district office, never give it to a station"), KEYS_SECRET_TAG, sk,
	    sizeof(sk), id);
	if (rc == 0)
		rc = keys_format(out->public, sizeof(out->public), _("loaxa district public key: "
		    "give this file to every station (district.public_key)"), KEYS_PUBLIC_TAG, pk,
		    sizeof(pk), id);
	sodium_memzero(sk, sizeof(sk));
	if (rc < 0)
		sodium_memzero(out->secret, sizeof(out->secret));
	return rc;
}
