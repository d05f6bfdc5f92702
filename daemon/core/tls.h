/*
 * TLS to the district's broker, with OpenSSL (libmosquitto's own TLS
 * library): the context that every connection attempt of a client shares,
 * and the check of the certificate files that --check, the start-up and the
 * status make. In core because the station's client (daemon/link) and
 * loaxactl's (pubclient.c) both use it.
 */
#ifndef LOAXA_TLS_H
#define LOAXA_TLS_H

#include <stddef.h>
#include <time.h>

#define TLS_WHY_MAX	512
/* The status warns this many days before the station's certificate expires. */
#define TLS_WARN_DAYS	30

struct tls_files {
	const char *ca;		/* the district CA's certificate (PEM) */
	const char *cert;	/* this client's certificate (PEM) */
	const char *key;	/* its private key (PEM) */
};

/*
 * An OpenSSL SSL_CTX (returned as void *, so that callers need not include
 * OpenSSL) for connections to host, the broker's name or address as
 * configured: TLS 1.2 or later, the client's certificate and key, and the
 * broker's certificate verified against the CA and against host.
 *
 * The check against host is the context's, not libmosquitto's: libmosquitto
 * is handed an address (the name is looked up in a thread, see daemon/link/mqtt.c) and
 * would compare the broker's certificate with that address, so the
 * certificate would have to list every address the broker ever has. Set the
 * context with MOSQ_OPT_SSL_CTX, without libmosquitto's defaults, and
 * OpenSSL checks the name the district configured.
 *
 * NULL with why filled when a file cannot be used. Free with tls_ctx_free().
 */
void	*tls_ctx_new(const struct tls_files *, const char *host, char *why, size_t len);
void	 tls_ctx_free(void *ctx);

/*
 * Whether ctx checks the dates of the broker's certificate (and its CA's).
 * A controller without a real-time clock boots in 1970, when every
 * certificate is "not yet valid": until its clock can be believed
 * (clock_trusted()), the chain and the name are checked, the dates are not.
 * The broker checks the station's certificate and the CRL with its own clock.
 */
void	 tls_ctx_check_time(void *ctx, int check);

/*
 * Checks the files as a technician would want before going up the pole:
 * each readable, the key the certificate's, the certificate signed by the
 * CA and, when check_time, valid now. *not_after is when the certificate
 * expires, whenever it could be read (else 0). 0, or -1 with why filled.
 */
int	 tls_check_files(const struct tls_files *, int check_time, time_t *not_after,
	    char *why, size_t len);
/*
 * The common name (CN) of the certificate at path, into cn: the identity a
 * district's broker takes as the user name and the client id. 0, or -1
 * with why filled.
 */
int	 tls_cert_cn(const char *path, char *cn, size_t cnlen, char *why, size_t len);
/* Whole days from now until not_after; negative once it has passed. */
int	 tls_days_left(time_t not_after, time_t now);

/*
 * Why the broker's certificate was refused in the last handshake that
 * failed on ctx, in OpenSSL's words ("certificate has expired", "hostname
 * mismatch"); NULL when none was. Reading it forgets it.
 */
const char *tls_ctx_verify_error(void *ctx);

#endif
