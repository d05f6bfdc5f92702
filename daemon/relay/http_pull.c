/* A stream's bytes pulled over HTTP(S) with libcurl's multi interface (see http_pull.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "config/i18n.h"
#include "config/readfile.h"
#include "config/stream_url.h"
#include "daemon/core/clock.h"
#include "daemon/relay/http_pull.h"

#define BUF_SIZE	(256 * 1024)	/* bytes received, not yet read */
#define CONNECT_S	10		/* seconds to connect, TLS handshake included */
#define REDIRECTS_MAX	5
#define CA_MAX		(4 << 20)	/* bytes of one PEM file */
#define SYSTEM_CA	"/etc/ssl/certs/ca-certificates.crt"
#define HEAD_LEN	64		/* first bytes kept, to tell a web page */
#define WHY_LEN		400

struct http_pull {
	CURLM		*multi;
	CURL		*easy;
	struct curl_slist *resolve;	/* the host's addresses, one entry per port asked */
	struct curl_slist *icy;		/* "ICY 200 OK" */
	char		*host;		/* as in the URL: redirects may go only there */
	char		 addrs[512];	/* "a,[b],...": the addresses of host */
	unsigned char	*ca;		/* the PEM blob */
	size_t		 ca_len;
	unsigned	 stall_ms;
	int64_t		 started_ms;	/* this connection's attempt */
	int64_t		 last_rx_ms;	/* the last byte, or the connection made */
	int		 connected;
	int		 redirects;
	/* This response, read from its header. */
	long		 status;
	char		 reason[64];
	char		 ctype[64];	/* Content-Type, as pull_content_type() keeps it */
	/* Received and not yet read: buf[pos..len). */
	unsigned char	*buf;
	size_t		 pos, len;
	int		 paused;
	unsigned char	 head[HEAD_LEN];
	size_t		 head_len;
	int		 ended;		/* the server ended the stream cleanly */
	int		 failed;
	char		 why[WHY_LEN];
};

static int
pull_fail(struct http_pull *hp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the first failure (what happened first is what the operator must hear). */
static int
pull_fail(struct http_pull *hp, const char *fmt, ...)
{
	va_list ap;

	if (!hp->failed) {
		va_start(ap, fmt);
		(void)vsnprintf(hp->why, sizeof(hp->why), fmt, ap);
		va_end(ap);
		hp->failed = 1;
	}
	return -EIO;
}

/* --- before the cage: the host's addresses, the certificate authorities ------------------- */

/* A URL part (curl_url_get), NULL when it has none. Free with curl_free(). */
static char *
url_part(const char *url, CURLUPart what)
{
	CURLU *u = curl_url();
	char *part = NULL;

	if (u == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, what, &part, what == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) != CURLUE_OK)
		part = NULL;
	curl_url_cleanup(u);
	return part;
}

/* An address literal needs no lookup: curl takes it as it is. */
static int
host_is_literal(const char *host)
{
	unsigned char a[16];

	return host[0] == '[' || inet_pton(AF_INET, host, a) == 1;
}

/* Looks host up once, now, and keeps its addresses for CURLOPT_RESOLVE. */
static int
pull_resolve(struct http_pull *hp, char *why, size_t whylen)
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char a[INET6_ADDRSTRLEN];
	size_t used = 0;
	int rc, n;

	if ((rc = getaddrinfo(hp->host, NULL, &hints, &res)) != 0) {
		(void)snprintf(why, whylen, _("the name %s cannot be resolved (%s); check the "
		    "stream's address and the station's network settings"), hp->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		const void *sa = ai->ai_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		if (inet_ntop(ai->ai_family, sa, a, sizeof(a)) == NULL || strstr(hp->addrs, a) != NULL)
			continue;
		n = snprintf(hp->addrs + used, sizeof(hp->addrs) - used, ai->ai_family == AF_INET6 ?
		    "%s[%s]" : "%s%s", used > 0 ? "," : "", a);
		if (n < 0 || (size_t)n >= sizeof(hp->addrs) - used)
			break;		/* enough addresses to try */
		used += (size_t)n;
	}
	freeaddrinfo(res);
	return used > 0 ? 0 : (snprintf(why, whylen, _("the name %s has no address; check the "
	    "stream's address"), hp->host), -1);
}

/* Pins host:port to the addresses looked up (a no-op for an address literal). */
static int
pull_pin(struct http_pull *hp, const char *port)
{
	struct curl_slist *l;
	char entry[600];

	if (host_is_literal(hp->host))
		return 0;
	if (snprintf(entry, sizeof(entry), "%s:%s:%s", hp->host, port, hp->addrs) >= (int)sizeof(entry))
		return -1;
	if ((l = curl_slist_append(hp->resolve, entry)) == NULL)
		return -1;
	hp->resolve = l;
	return curl_easy_setopt(hp->easy, CURLOPT_RESOLVE, hp->resolve) == CURLE_OK ? 0 : -1;
}

/* Appends one PEM file to the blob. A missing system bundle is no error: --ca may be enough. */
static int
pull_add_ca(struct http_pull *hp, const char *path, int required, char *why, size_t whylen)
{
	unsigned char *data, *p;
	size_t len;
	int rc;

	if ((rc = readfile_bytes(path, CA_MAX, &data, &len)) < 0) {
		if (required)
			(void)snprintf(why, whylen, _("cannot read the certificate authority %s: %s"),
			    path, readfile_strerror(rc));
		return required ? -1 : 0;
	}
	if ((p = realloc(hp->ca, hp->ca_len + len + 1)) == NULL) {
		free(data);
		(void)snprintf(why, whylen, _("out of memory"));
		return -1;
	}
	memcpy(p + hp->ca_len, data, len);
	p[hp->ca_len + len] = '\n';
	hp->ca = p;
	hp->ca_len += len + 1;
	free(data);
	return 0;
}

/* --- curl's callbacks ---------------------------------------------------------------------- */

/* Content-Type's media type, in lower case, without its parameters. */
static void
pull_content_type(struct http_pull *hp, const char *v, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	for (; i < len && n < sizeof(hp->ctype) - 1 && strchr(" \t;\r\n", v[i]) == NULL; i++)
		hp->ctype[n++] = (char)tolower((unsigned char)v[i]);
	hp->ctype[n] = '\0';
}

/* A line of the response's header: the status line, Content-Type, the end. */
static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct http_pull *hp = arg;
	size_t len = size * n;
	char h[256];		/* curl's line is not NUL-terminated; what we read of it fits */
	int code, skip = 0;

	hp->last_rx_ms = clock_mono_ms();
	(void)snprintf(h, sizeof(h), "%.*s", (int)(len < sizeof(h) ? len : sizeof(h) - 1), line);
	if ((strncmp(h, "HTTP/", 5) == 0 && sscanf(h, "HTTP/%*s %3d %n", &code, &skip) == 1) ||
	    (strncmp(h, "ICY ", 4) == 0 && sscanf(h, "ICY %3d %n", &code, &skip) == 1)) {
		hp->status = code;
		(void)snprintf(hp->reason, sizeof(hp->reason), "%.*s", (int)strcspn(h + skip, "\r\n"),
		    h + skip);
		return len;
	}
	if (hp->status >= 200 && hp->status < 300 && strncasecmp(h, "content-type:", 13) == 0) {
		pull_content_type(hp, h + 13, strlen(h + 13));
		if (strcmp(hp->ctype, "text/html") == 0) {
			pull_fail(hp, _("the server sent a web page, not a stream; check the stream's "
			    "address (open it in a browser: a stream plays, it does not show a page)"));
			return 0;
		}
	}
	if (strspn(h, "\r\n") == len) {
		if (hp->status >= 400) {
			pull_fail(hp, _("the server answered %ld %s; check the stream's address"),
			    hp->status, hp->reason);
			return 0;
		}
	}
	return len;
}

/* The body: kept for the decoder; a redirect's is thrown away. */
static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_pull *hp = arg;
	size_t len = size * n;

	hp->last_rx_ms = clock_mono_ms();
	if (hp->status >= 300 && hp->status < 400)
		return len;
	if (hp->status < 200 || hp->status >= 300)
		return pull_fail(hp, _("the server answered %ld %s; check the stream's address"),
		    hp->status, hp->reason), 0;
	if (len > BUF_SIZE - hp->len) {
		hp->paused = 1;
		return CURL_WRITEFUNC_PAUSE;	/* curl keeps it until we have room */
	}
	memcpy(hp->buf + hp->len, data, len);
	hp->len += len;
	if (hp->head_len < HEAD_LEN) {
		size_t k = len < HEAD_LEN - hp->head_len ? len : HEAD_LEN - hp->head_len;

		memcpy(hp->head + hp->head_len, data, k);
		hp->head_len += k;
	}
	return len;
}

/* --- the transfer ---------------------------------------------------------------------------- */

/* Shoutcast's first servers answer "ICY 200 OK", which curl takes for HTTP only when told. */
static int
pull_setup(struct http_pull *hp, const char *url)
{
	struct curl_blob blob = { hp->ca, hp->ca_len, CURL_BLOB_NOCOPY };
	CURL *e = hp->easy;

	/* No proxy from the environment, no .netrc, no cookies: only what the address says. */
	if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_S) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "loaxa-relay") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HEADERDATA, hp) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, hp) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CAINFO, NULL) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CAPATH, NULL) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTP200ALIASES, hp->icy) != CURLE_OK)
		return -1;
	if (hp->ca_len > 0 && curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK)
		return -1;
	return 0;
}

/* Starts (again) the transfer of url, whose host is ours. */
static int
pull_start(struct http_pull *hp, const char *url)
{
	char *port = url_part(url, CURLUPART_PORT);
	int rc;

	rc = port != NULL && pull_pin(hp, port) == 0 &&
	    curl_easy_setopt(hp->easy, CURLOPT_URL, url) == CURLE_OK &&
	    curl_multi_add_handle(hp->multi, hp->easy) == CURLM_OK ? 0 : -1;
	curl_free(port);
	hp->started_ms = hp->last_rx_ms = clock_mono_ms();
	hp->connected = 0;
	hp->status = 0;
	hp->ctype[0] = '\0';
	return rc;
}

struct http_pull *
http_pull_new(const char *url, char *const *ca, int nca, unsigned stall_s, char *why, size_t whylen)
{
	struct http_pull *hp = calloc(1, sizeof(*hp));
	char *host = url_part(url, CURLUPART_HOST);
	int i;

	if (hp == NULL || host == NULL || (hp->host = strdup(host)) == NULL ||
	    (hp->buf = malloc(BUF_SIZE)) == NULL) {
		(void)snprintf(why, whylen, _("out of memory, or an address curl cannot read"));
		goto fail;
	}
	curl_free(host);
	host = NULL;
	hp->stall_ms = stall_s * 1000;
	if (!host_is_literal(hp->host) && pull_resolve(hp, why, whylen) < 0)
		goto fail;
	if (pull_add_ca(hp, SYSTEM_CA, 0, why, whylen) < 0)
		goto fail;
	for (i = 0; i < nca; i++)
		if (pull_add_ca(hp, ca[i], 1, why, whylen) < 0)
			goto fail;
	if ((hp->icy = curl_slist_append(NULL, "ICY 200 OK")) == NULL ||
	    (hp->multi = curl_multi_init()) == NULL || (hp->easy = curl_easy_init()) == NULL ||
	    pull_setup(hp, url) < 0 || pull_start(hp, url) < 0) {
		(void)snprintf(why, whylen, _("cannot prepare the connection (out of memory?)"));
		goto fail;
	}
	return hp;
fail:
	curl_free(host);
	http_pull_free(hp);
	return NULL;
}

/* A 3xx: on to the new address when it is on the same host, else a clear no. */
static void
pull_redirect(struct http_pull *hp)
{
	char *to = NULL, *host;
	char where[STREAM_URL_MAX + 1];

	curl_easy_getinfo(hp->easy, CURLINFO_REDIRECT_URL, &to);
	curl_multi_remove_handle(hp->multi, hp->easy);
	if (to == NULL) {
		pull_fail(hp, _("the server answered %ld %s without saying where the stream went; "
		    "check the stream's address"), hp->status, hp->reason);
		return;
	}
	if (++hp->redirects > REDIRECTS_MAX || stream_url_check(to, NULL, 0) < 0) {
		pull_fail(hp, _("the server sends the station from address to address; check "
		    "the stream's address"));
		return;
	}
	stream_url_public(to, where, sizeof(where));
	host = url_part(to, CURLUPART_HOST);
	if (host == NULL || strcasecmp(host, hp->host) != 0)
		pull_fail(hp, _("the server sends the station on to another server (%s), which the "
		    "relay does not look up; put that address in the schedule instead"), where);
	else if (pull_start(hp, to) < 0)
		pull_fail(hp, _("cannot follow the server to %s"), where);
	curl_free(host);
}

/* curl's failure, in words for a commune operator. */
static void
pull_failed(struct http_pull *hp, CURLcode rc)
{
	long os_errno = 0;

	curl_easy_getinfo(hp->easy, CURLINFO_OS_ERRNO, &os_errno);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED)
			pull_fail(hp, _("the server %s refused the connection; check the stream's "
			    "address and port, and that the server is running"), hp->host);
		else
			pull_fail(hp, _("cannot reach the server %s (%s); check the station's "
			    "network"), hp->host, strerror((int)os_errno));
		break;
	case CURLE_OPERATION_TIMEDOUT:
		pull_fail(hp, _("the server %s did not answer within %d s; check the stream's "
		    "address and the station's network"), hp->host, CONNECT_S);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		pull_fail(hp, _("the TLS certificate of %s is not trusted; if the district runs "
		    "its own certificate authority, give its certificate to the station"), hp->host);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		pull_fail(hp, _("the TLS handshake with %s failed; check that the address's "
		    "scheme (http or https) and port are right"), hp->host);
		break;
	case CURLE_GOT_NOTHING:
		pull_fail(hp, _("the server %s closed the connection without answering"), hp->host);
		break;
	default:
		pull_fail(hp, _("the connection to %s broke: %s"), hp->host, curl_easy_strerror(rc));
		break;
	}
}

/* The transfer is over: a clean end, a redirect to follow, or a failure. */
static void
pull_done(struct http_pull *hp, CURLcode rc)
{
	if (hp->failed)
		return;		/* ours: a callback refused what came */
	if (rc != CURLE_OK) {
		pull_failed(hp, rc);
		return;
	}
	if (hp->status >= 300 && hp->status < 400) {
		pull_redirect(hp);
		return;
	}
	if (hp->status >= 400 || hp->status < 200) {
		pull_fail(hp, _("the server answered %ld %s; check the stream's address"),
		    hp->status, hp->reason);
		return;
	}
	if (hp->head_len == 0) {
		pull_fail(hp, _("the server answered %ld %s but sent no stream; check the stream's "
		    "address"), hp->status, hp->reason);
		return;
	}
	hp->ended = 1;
}

/* Ends the wait with a stall when nothing came for too long (connecting has curl's own bound). */
static int
pull_stalled(struct http_pull *hp, int64_t now, int *wait_ms)
{
	curl_off_t t = 0;
	int64_t left;

	/* A connection kept from before a redirect has no connect time of its own: an answer is proof. */
	if (!hp->connected && (hp->status != 0 ||
	    (curl_easy_getinfo(hp->easy, CURLINFO_CONNECT_TIME_T, &t) == CURLE_OK && t > 0))) {
		hp->connected = 1;
		if (hp->last_rx_ms < now)
			hp->last_rx_ms = now;
	}
	left = hp->connected ? hp->last_rx_ms + hp->stall_ms - now :
	    hp->started_ms + (CONNECT_S + 1) * 1000 - now;
	if (left <= 0) {
		pull_fail(hp, _("the stream sent nothing for %u s; the server or the network may "
		    "be down"), hp->stall_ms / 1000);
		return 1;
	}
	*wait_ms = left < 1000 ? (int)left : 1000;
	return 0;
}

/* Lets curl work until bytes come, the transfer ends, or it fails. */
static void
pull_pump(struct http_pull *hp)
{
	CURLMsg *m;
	int running, left, wait_ms;

	if (hp->paused) {
		hp->paused = 0;
		curl_easy_pause(hp->easy, CURLPAUSE_CONT);	/* may deliver what curl held */
	}
	while (hp->len == 0 && !hp->ended && !hp->failed) {
		if (curl_multi_perform(hp->multi, &running) != CURLM_OK) {
			pull_fail(hp, _("cannot go on with the connection (out of memory?)"));
			return;
		}
		while ((m = curl_multi_info_read(hp->multi, &left)) != NULL)
			if (m->msg == CURLMSG_DONE)
				pull_done(hp, m->data.result);
		if (hp->len > 0 || hp->ended || hp->failed ||
		    pull_stalled(hp, clock_mono_ms(), &wait_ms))
			return;
		curl_multi_poll(hp->multi, NULL, 0, wait_ms, NULL);
	}
}

int
http_pull_wait(struct http_pull *hp)
{
	if (hp->pos == hp->len)
		pull_pump(hp);
	return hp->failed ? -EIO : 0;
}

const char *
http_pull_content_type(const struct http_pull *hp)
{
	return hp->ctype;
}

int
http_pull_read(void *arg, uint8_t *out, int want)
{
	struct http_pull *hp = arg;
	size_t n;

	if (hp->pos == hp->len) {
		hp->pos = hp->len = 0;
		pull_pump(hp);
	}
	if (hp->len == 0)
		return hp->failed ? -EIO : 0;
	n = hp->len - hp->pos;
	if (n > (size_t)want)
		n = (size_t)want;
	memcpy(out, hp->buf + hp->pos, n);
	hp->pos += n;
	return (int)n;
}

const char *
http_pull_error(const struct http_pull *hp)
{
	return hp->failed ? hp->why : NULL;
}

int
http_pull_web_page(const struct http_pull *hp)
{
	size_t i = 0;

	while (i < hp->head_len && strchr(" \t\r\n", hp->head[i]) != NULL)
		i++;
	return hp->head_len - i >= 5 && (strncasecmp((const char *)hp->head + i, "<!doc", 5) == 0 ||
	    strncasecmp((const char *)hp->head + i, "<html", 5) == 0);
}

void
http_pull_free(struct http_pull *hp)
{
	if (hp == NULL)
		return;
	if (hp->multi != NULL && hp->easy != NULL)
		curl_multi_remove_handle(hp->multi, hp->easy);
	curl_easy_cleanup(hp->easy);
	curl_multi_cleanup(hp->multi);
	curl_slist_free_all(hp->resolve);
	curl_slist_free_all(hp->icy);
	free(hp->ca);
	free(hp->buf);
	free(hp->host);
	free(hp);
}
