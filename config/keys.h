/*
 * The district's Ed25519 key files. `loaxactl keygen KEYFILE` writes the
 * secret key to KEYFILE (mode 0600) and the public key to KEYFILE.pub, each a
 * short text file a person can recognise and copy:
 *
 *   # loaxa district key: give this file to every station (district.public_key)
 *   # key id 3f2a9c0d41b7e655
 *   loaxa-ed25519-public-v1
 *   <the 32-byte key in base64>
 *
 * and "loaxa-ed25519-secret-v1" with the 64-byte libsodium secret key (seed
 * and public key). Lines starting with '#' and blank lines are ignored.
 * Reasons are sentences for people. keys_parse_* leave the file out (the
 * caller adds it where it has a better place for it, e.g. "file:line:
 * setting: reason"); keys_load_* name the file they could not use.
 */
#ifndef LOAXA_KEYS_H
#define LOAXA_KEYS_H

#include <stddef.h>

#define KEYS_PUBLIC_BYTES	32
#define KEYS_SECRET_BYTES	64
#define KEYS_ID_HEX		16	/* the first 8 bytes of the public key, in hex */
#define KEYS_FILE_MAX		4096	/* a key file is a few lines */

/* A new key pair as the texts of its two files (pure but for the randomness). */
struct keys_texts {
	char	secret[512];	/* wipe it with sodium_memzero once written */
	char	public[512];
};
int	keys_make(struct keys_texts *out);
/* The public key in a key file. 0, or -errno (-EINVAL: not a public key file) and why. */
int	keys_load_public(const char *path, unsigned char pk[KEYS_PUBLIC_BYTES], char *why,
	    size_t whylen);
/*
 * The secret key in a key file, refused (-EPERM) when others than its owner
 * may read it. 0, or -errno and why.
 */
int	keys_load_secret(const char *path, unsigned char sk[KEYS_SECRET_BYTES], char *why,
	    size_t whylen);
/* The same over a key file's text (pure). 0 or -EINVAL and why. */
int	keys_parse_public(const char *text, unsigned char pk[KEYS_PUBLIC_BYTES], char *why,
	    size_t whylen);
int	keys_parse_secret(const char *text, unsigned char sk[KEYS_SECRET_BYTES], char *why,
	    size_t whylen);
/* The key id of pk: its first 8 bytes in lower-case hex (names a key in reports). */
void	keys_id(const unsigned char pk[KEYS_PUBLIC_BYTES], char id[KEYS_ID_HEX + 1]);

#endif
