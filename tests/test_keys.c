/*
 * Tests of the district key files (config/keys.c) and of `loaxactl keygen`
 * (daemon/loaxactl/keygen.c): the texts parsed and refused, the key id, new
 * key pairs checked with libsodium itself, and the files written with their
 * modes in a temporary directory, whatever the umask, never overwritten.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config/keys.h"
#include "daemon/loaxactl/keygen.h"
#include "tests/helpers/tmpstore.h"
#include "tests/t.h"

#define PUB_TAG	"loaxa-ed25519-public-v1"
#define SEC_TAG	"loaxa-ed25519-secret-v1"

static unsigned char g_pk[KEYS_PUBLIC_BYTES], g_sk[KEYS_SECRET_BYTES];
static char g_pub_b64[128], g_sec_b64[128];

/* The text of a key file: comment lines, tag, key, with the given line ending. */
static void
key_text(char *buf, size_t len, const char *tag, const char *b64, const char *eol)
{
	snprintf(buf, len, "# loaxa district key%s# key id x%s\n%s%s  %s\t%s", eol, eol, tag, eol,
	    b64, eol);
}

static void
test_parse_good_texts(void)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES];
	char text[512], why[256];

	key_text(text, sizeof(text), PUB_TAG, g_pub_b64, "\n");
	T_EQ_INT(keys_parse_public(text, pk, why, sizeof(why)), 0);
	T_ASSERT(memcmp(pk, g_pk, sizeof(pk)) == 0);
	/* Copied through a Windows e-mail client: CR LF line ends. */
	memset(pk, 0, sizeof(pk));
	key_text(text, sizeof(text), PUB_TAG, g_pub_b64, "\r\n");
	T_EQ_INT(keys_parse_public(text, pk, why, sizeof(why)), 0);
	T_ASSERT(memcmp(pk, g_pk, sizeof(pk)) == 0);
	/* No comments and no final newline. */
	snprintf(text, sizeof(text), "%s\n%s", SEC_TAG, g_sec_b64);
	T_EQ_INT(keys_parse_secret(text, sk, why, sizeof(why)), 0);
	T_ASSERT(memcmp(sk, g_sk, sizeof(sk)) == 0);
}

static void
expect_public_refused(const char *text, const char *phrase)
{
	unsigned char pk[KEYS_PUBLIC_BYTES];
	char why[256] = "";

	T_EQ_INT(keys_parse_public(text, pk, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, phrase);
}

static void
expect_secret_refused(const char *text, const char *phrase)
{
	unsigned char sk[KEYS_SECRET_BYTES];
	char why[256] = "";

	T_EQ_INT(keys_parse_secret(text, sk, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, phrase);
}

static void
test_parse_bad_texts(void)
{
	char text[512], b64[128];
	unsigned char bad[KEYS_SECRET_BYTES];

	expect_public_refused("", "not a loaxa key file");
	expect_public_refused("-----BEGIN PUBLIC KEY-----\nMCow\n", "not a loaxa key file");
	/* Each kind of key where the other is wanted says which file to use. */
	snprintf(text, sizeof(text), "%s\n%s\n", SEC_TAG, g_sec_b64);
	expect_public_refused(text, "it is a secret key, not a public key");
	snprintf(text, sizeof(text), "%s\n%s\n", PUB_TAG, g_pub_b64);
	expect_secret_refused(text, "it is a public key");
	/* Damaged: cut short, not base64, a line too many, the secret's halves disagreeing. */
	snprintf(text, sizeof(text), "%s\n%.20s\n", PUB_TAG, g_pub_b64);
	expect_public_refused(text, "damaged (not 32 bytes of base64)");
	snprintf(text, sizeof(text), "%s\n%s\n", PUB_TAG, "khóa-không-phải-base64!!");
	expect_public_refused(text, "damaged");
	snprintf(text, sizeof(text), "%s\n", PUB_TAG);
	expect_public_refused(text, "damaged");
	snprintf(text, sizeof(text), "%s\n%s\n%s\n", PUB_TAG, g_pub_b64, g_pub_b64);
	expect_public_refused(text, "more lines than a key file has");
	snprintf(text, sizeof(text), "%s\n%s\n", SEC_TAG, g_pub_b64);
	expect_secret_refused(text, "damaged (not 64 bytes of base64)");
	memcpy(bad, g_sk, sizeof(bad));
	bad[40] ^= 1;		/* a bit of the public half */
	sodium_bin2base64(b64, sizeof(b64), bad, sizeof(bad), sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "%s\n%s\n", SEC_TAG, b64);
	expect_secret_refused(text, "the key in it is damaged; use a copy");
}

static void
test_key_id(void)
{
	unsigned char pk[KEYS_PUBLIC_BYTES];
	char id[KEYS_ID_HEX + 1];
	size_t i;

	for (i = 0; i < sizeof(pk); i++)
		pk[i] = (unsigned char)(0xf0 + i);
	memset(id, 'x', sizeof(id));
	keys_id(pk, id);
	/* The first 8 bytes, lower-case hex, terminated. */
	T_EQ_STR(id, "f0f1f2f3f4f5f6f7");
	pk[8] = 0;		/* beyond the id: the id does not change */
	keys_id(pk, id);
	T_EQ_STR(id, "f0f1f2f3f4f5f6f7");
}

static void
test_make_gives_a_working_pair(void)
{
	struct keys_texts a, b;
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES], sig[crypto_sign_BYTES];
	const unsigned char msg[] = "Bản tin khẩn cấp";
	char why[256], id[KEYS_ID_HEX + 1], line[64];

	T_EQ_INT(keys_make(&a), 0);
	T_EQ_INT(keys_make(&b), 0);
	T_EQ_INT(keys_parse_public(a.public, pk, why, sizeof(why)), 0);
	T_EQ_INT(keys_parse_secret(a.secret, sk, why, sizeof(why)), 0);
	/* What the secret key signs, the public key verifies (libsodium, not our code). */
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	T_EQ_INT(crypto_sign_verify_detached(sig, msg, sizeof(msg), pk), 0);
	/* Both files name the same key id, that of the public key. */
	keys_id(pk, id);
	snprintf(line, sizeof(line), "# key id %s\n", id);
	T_CONTAINS(a.public, line);
	T_CONTAINS(a.secret, line);
	T_CONTAINS(a.public, "give this file to every station");
	T_CONTAINS(a.secret, "SECRET");
	/* Each call a new pair. */
	T_ASSERT(strcmp(a.public, b.public) != 0);
	sodium_memzero(&a, sizeof(a));
	sodium_memzero(&b, sizeof(b));
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void
keygen_in(const char *dir, mode_t mask)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES];
	char path[256], pub[270], why[512];
	mode_t old = umask(mask);

	snprintf(path, sizeof(path), "%s/khóa huyện %03o.key", dir, (unsigned)mask);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	T_EQ_INT(keygen_write(path, why, sizeof(why)), 0);
	umask(old);
	T_EQ_INT(mode_of(path), 0600);
	T_EQ_INT(mode_of(pub), 0644);
	T_EQ_INT(keys_load_secret(path, sk, why, sizeof(why)), 0);
	T_EQ_INT(keys_load_public(pub, pk, why, sizeof(why)), 0);
	T_ASSERT(memcmp(pk, sk + crypto_sign_SEEDBYTES, sizeof(pk)) == 0);
}

static void
test_keygen_modes_whatever_the_umask(void)
{
	char dir[TMPSTORE_DIR_MAX];

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "keys"), 0);
	keygen_in(dir, 022);
	keygen_in(dir, 077);
	keygen_in(dir, 0);
	tmpstore_rmdir(dir);
}

static void
test_keygen_never_overwrites(void)
{
	char dir[TMPSTORE_DIR_MAX], path[128], pub[140], why[512], before[512], after[512];
	FILE *f;
	size_t n;

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "keys"), 0);
	snprintf(path, sizeof(path), "%s/district.key", dir);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	T_EQ_INT(keygen_write(path, why, sizeof(why)), 0);
	f = fopen(path, "r");
	n = f != NULL ? fread(before, 1, sizeof(before) - 1, f) : 0;
	before[n] = '\0';
	if (f != NULL)
		fclose(f);
	why[0] = '\0';
	T_EQ_INT(keygen_write(path, why, sizeof(why)), -EEXIST);
	T_CONTAINS(why, "already exists");
	T_CONTAINS(why, path);
	f = fopen(path, "r");
	n = f != NULL ? fread(after, 1, sizeof(after) - 1, f) : 0;
	after[n] = '\0';
	if (f != NULL)
		fclose(f);
	T_EQ_STR(after, before);
	/* Nothing left behind by the refused attempt: the two files only. */
	T_EQ_INT(mode_of(pub), 0644);
	T_EQ_INT(tmpstore_entries(dir, 0), 2);
	tmpstore_rmdir(dir);
}

static void
test_load_refuses_readable_secret_and_missing_files(void)
{
	unsigned char sk[KEYS_SECRET_BYTES], pk[KEYS_PUBLIC_BYTES];
	char dir[TMPSTORE_DIR_MAX], path[128], why[512];

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "keys"), 0);
	snprintf(path, sizeof(path), "%s/district.key", dir);
	T_EQ_INT(keygen_write(path, why, sizeof(why)), 0);
	T_EQ_INT(chmod(path, 0640), 0);
	T_EQ_INT(keys_load_secret(path, sk, why, sizeof(why)), -EPERM);
	T_CONTAINS(why, "chmod 600");
	snprintf(path, sizeof(path), "%s/không có.pub", dir);
	T_EQ_INT(keys_load_public(path, pk, why, sizeof(why)), -ENOENT);
	T_CONTAINS(why, "does not exist");
	/* Far too large to be a key file: refused before it is parsed. */
	{
		static char big[KEYS_FILE_MAX + 100];

		memset(big, '#', sizeof(big) - 1);
		T_EQ_INT(tmpstore_write(dir, "big.pub", big), 0);
		snprintf(path, sizeof(path), "%s/big.pub", dir);
		T_EQ_INT(keys_load_public(path, pk, why, sizeof(why)), -EFBIG);
		T_CONTAINS(why, "too large to be a key file");
	}
	tmpstore_rmdir(dir);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(g_pk, g_sk);
	sodium_bin2base64(g_pub_b64, sizeof(g_pub_b64), g_pk, sizeof(g_pk),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(g_sec_b64, sizeof(g_sec_b64), g_sk, sizeof(g_sk),
	    sodium_base64_VARIANT_ORIGINAL);
	T_RUN(test_parse_good_texts);
	T_RUN(test_parse_bad_texts);
	T_RUN(test_key_id);
	T_RUN(test_make_gives_a_working_pair);
	T_RUN(test_keygen_modes_whatever_the_umask);
	T_RUN(test_keygen_never_overwrites);
	T_RUN(test_load_refuses_readable_secret_and_missing_files);
	return T_EXIT();
}
