/*
 * TLS contexts for the broker connection and the check of the certificate
 * files, over OpenSSL. See tls.h for why the broker's name is checked here
 * rather than by libmosquitto.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "config/i18n.h"
#include "config/readfile.h"
#include "daemon/core/tls.h"

/* OpenSSL's last error as a short phrase, or what errno says. */
static const char *
tls_last_error(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *s;

	if (e == 0)
		return strerror(errno != 0 ? errno : EIO);
	s = ERR_reason_error_string(e);
	ERR_clear_error();
	return s != NULL ? s : "unknown OpenSSL error";
}

/* PEM files are small: a CA, a certificate and its chain, a key. */
#define TLS_PEM_MAX	(64 * 1024)

/*
 * The file at path as a memory BIO, read through readfile (a FIFO or a
 * device put in a certificate's place cannot hang the station); NULL with
 * why filled.
 */
static BIO *
tls_read_pem(const char *path, const char *what, char *why, size_t len)
{
	char *text = NULL;
	BIO *b;
	int rc;

	if ((rc = readfile_text(path, TLS_PEM_MAX, &text)) < 0) {
		snprintf(why, len, _("cannot read the %s \"%s\": %s; it must be readable by "
		    "the station's user"), what, path, readfile_strerror(rc));
		return NULL;
	}
	/* BIO_new_mem_buf() does not copy: a BIO of our own owns a copy. */
	if ((b = BIO_new(BIO_s_mem())) == NULL || BIO_puts(b, text) < 0) {
		snprintf(why, len, _("cannot read the %s \"%s\": %s"), what, path,
		    strerror(ENOMEM));
		BIO_free(b);
		b = NULL;
	}
	OPENSSL_cleanse(text, strlen(text));	/* it may be a private key */
	free(text);
	return b;
}

/* The first certificate of the PEM file at path; NULL with why filled. */
static X509 *
tls_read_cert(const char *path, const char *what, char *why, size_t len)
{
	BIO *b;
	X509 *x;

	if ((b = tls_read_pem(path, what, why, len)) == NULL)
		return NULL;
	if ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL)
		snprintf(why, len, _("the %s \"%s\" is not a PEM certificate (%s)"), what, path,
		    tls_last_error());
	BIO_free(b);
	return x;
}

static EVP_PKEY *
tls_read_key(const char *path, char *why, size_t len)
{
	EVP_PKEY *k;
	BIO *b;

	if ((b = tls_read_pem(path, _("private key"), why, len)) == NULL)
		return NULL;
	if ((k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL)
		snprintf(why, len, _("the private key \"%s\" is not a PEM key without a "
		    "passphrase (%s)"), path, tls_last_error());
	BIO_free(b);
	return k;
}

int
tls_cert_cn(const char *path, char *cn, size_t cnlen, char *why, size_t len)
{
	X509 *x = tls_read_cert(path, _("certificate"), why, len);
	int n;

	if (x == NULL)
		return -1;
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, (int)cnlen);
	X509_free(x);
	if (n <= 0 || (size_t)n >= cnlen) {
		snprintf(why, len, _("the certificate \"%s\" has no common name (CN) that can be "
		    "an MQTT client id"), path);
		return -1;
	}
	return 0;
}

/* t as seconds since the epoch; 0 when OpenSSL cannot read it. */
static time_t
tls_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

int
tls_days_left(time_t not_after, time_t now)
{
	time_t d = not_after - now;

	/* Rounded down: a certificate with 12 hours left has 0 days, one 12 hours past -1. */
	return (int)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

/* Verifies cert against the CA alone, at the current time when check_time. */
static int
tls_verify_chain(X509 *ca, X509 *cert, int check_time, char *why, size_t len)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *vctx = X509_STORE_CTX_new();
	int ok = 0, err = X509_V_ERR_UNSPECIFIED;

	if (store != NULL && vctx != NULL && X509_STORE_add_cert(store, ca) == 1 &&
	    X509_STORE_CTX_init(vctx, store, cert, NULL) == 1) {
		if (!check_time)
			X509_STORE_CTX_set_flags(vctx, X509_V_FLAG_NO_CHECK_TIME);
		ok = X509_verify_cert(vctx) == 1;
		err = X509_STORE_CTX_get_error(vctx);
	}
	if (!ok)
		snprintf(why, len, _("the certificate is not valid with this CA: %s"),
		    X509_verify_cert_error_string(err));
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(store);
	return ok ? 0 : -1;
}

int
tls_check_files(const struct tls_files *f, int check_time, time_t *not_after, char *why,
    size_t len)
{
	X509 *ca = NULL, *cert = NULL;
	EVP_PKEY *key = NULL;
	int rc = -1;

	*not_after = 0;
	if ((ca = tls_read_cert(f->ca, _("CA certificate"), why, len)) == NULL ||
	    (cert = tls_read_cert(f->cert, _("certificate"), why, len)) == NULL)
		goto out;
	*not_after = tls_time(X509_get0_notAfter(cert));
	if ((key = tls_read_key(f->key, why, len)) == NULL)
		goto out;
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		snprintf(why, len, _("the private key \"%s\" does not belong to the certificate "
		    "\"%s\"; install the two files of the same bundle"), f->key, f->cert);
		goto out;
	}
	rc = tls_verify_chain(ca, cert, check_time, why, len);
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	X509_free(ca);
	return rc;
}

/*
 * What the last failed verification of a context said: libmosquitto frees
 * the SSL of a failed handshake before its caller can ask, so the verify
 * callback keeps the reason on the context, in OpenSSL's ex_data slot.
 */
struct tls_seen {
	long	 verify_err;
};

static int tls_seen_index = -1;

static void
tls_seen_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	free(ptr);
}

static int
tls_verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_seen *seen;

	if (!ok && ssl != NULL &&
	    (seen = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_seen_index)) != NULL)
		seen->verify_err = X509_STORE_CTX_get_error(x);
	return ok;
}

/* The broker is checked against the configured name, or address when it is one. */
static int
tls_ctx_expect(SSL_CTX *ctx, const char *host)
{
	X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);

	X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1)
		return 0;
	ERR_clear_error();
	return X509_VERIFY_PARAM_set1_host(param, host, 0) == 1 ? 0 : -1;
}

/* The CA to trust, and the client's certificate and key, which must match. */
static int
tls_ctx_load(SSL_CTX *ctx, const struct tls_files *f, char *why, size_t len)
{
	X509 *ca = NULL, *cert = NULL;
	EVP_PKEY *key = NULL;
	int rc = -1;

	if ((ca = tls_read_cert(f->ca, _("CA certificate"), why, len)) == NULL ||
	    (cert = tls_read_cert(f->cert, _("certificate"), why, len)) == NULL ||
	    (key = tls_read_key(f->key, why, len)) == NULL)
		goto out;
	if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca) != 1 ||
	    SSL_CTX_use_certificate(ctx, cert) != 1)
		snprintf(why, len, _("cannot use the certificate \"%s\": %s"), f->cert,
		    tls_last_error());
	else if (SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		snprintf(why, len, _("the private key \"%s\" does not belong to the certificate "
		    "\"%s\"; install the two files of the same bundle"), f->key, f->cert);
	else
		rc = 0;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	X509_free(ca);
	ERR_clear_error();
	return rc;
}

void *
tls_ctx_new(const struct tls_files *f, const char *host, char *why, size_t len)
{
	struct tls_seen *seen = NULL;
	SSL_CTX *ctx;

	if (tls_seen_index < 0)
		tls_seen_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, tls_seen_free);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(why, len, _("cannot set up TLS: %s"), tls_last_error());
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_cb);
	if (tls_seen_index < 0 || (seen = calloc(1, sizeof(*seen))) == NULL ||
	    SSL_CTX_set_ex_data(ctx, tls_seen_index, seen) != 1) {
		free(seen);
		snprintf(why, len, _("cannot set up TLS: %s"), strerror(ENOMEM));
	} else if (tls_ctx_load(ctx, f, why, len) == 0) {
		if (tls_ctx_expect(ctx, host) == 0)
			return ctx;
		snprintf(why, len, _("cannot check the broker's certificate against \"%s\""),
		    host);
	}
	SSL_CTX_free(ctx);
	return NULL;
}

void
tls_ctx_check_time(void *ctx, int check)
{
	X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);

	if (check)
		X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_NO_CHECK_TIME);
	else
		X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
}

void
tls_ctx_free(void *ctx)
{
	SSL_CTX_free(ctx);
}

const char *
tls_ctx_verify_error(void *ctx)
{
	struct tls_seen *seen = SSL_CTX_get_ex_data(ctx, tls_seen_index);
	long v;

	if (seen == NULL || (v = seen->verify_err) == X509_V_OK)
		return NULL;
	seen->verify_err = X509_V_OK;
	return X509_verify_cert_error_string(v);
}
