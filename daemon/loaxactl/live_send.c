/*
 * Encoding a live broadcast and sending it to Icecast as its source (see
 * live_send.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <opusenc.h>
#include <sodium.h>

#include "config/i18n.h"
#include "config/stream_url.h"
#include "daemon/loaxactl/live_send.h"

#define LIVE_MUXING_DELAY	4800	/* samples: a page at least every 100 ms */

struct live_send {
	OggOpusEnc	*enc;
	CURLM		*multi;
	CURL		*easy;
	struct curl_slist *headers;
	char		 url[STREAM_URL_MAX + 1];
	unsigned char	*buf;		/* encoded, not yet taken by the connection */
	size_t		 len, off;
	int		 overflow;	/* more than LIVE_SEND_MAX_BYTES waited */
	int		 paused;	/* the read callback had nothing to give */
	int		 status;	/* the last HTTP status the server sent */
	int		 accepted;
	char		 body[160];	/* what the server said with a refusal */
	size_t		 body_len;
	char		 curl_err[CURL_ERROR_SIZE];
	curl_socket_t	 fd;		/* the connection's, once made (conn_cut) */
};

/* --- the encoder's pages ---------------------------------------------------------------------- */

static int
enc_write(void *user, const unsigned char *page, opus_int32 len)
{
	struct live_send *s = user;
	unsigned char *nb;

	if (s->off > 0 && s->off == s->len)
		s->off = s->len = 0;
	if (s->len - s->off + (size_t)len > LIVE_SEND_MAX_BYTES) {
		s->overflow = 1;
		return 0;	/* dropped: the broadcast ends with live_send_write's error */
	}
	if (s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if ((nb = realloc(s->buf, s->len + (size_t)len)) == NULL)
		return 1;
	s->buf = nb;
	memcpy(s->buf + s->len, page, (size_t)len);
	s->len += (size_t)len;
	return 0;
}

static int
enc_close(void *user)
{
	(void)user;
	return 0;
}

static int
enc_setup(struct live_send *s, const struct live_send_opts *o, char *why, size_t whylen)
{
	OpusEncCallbacks cb = { enc_write, enc_close };
	OggOpusComments *com = ope_comments_create();
	int err = OPE_ALLOC_FAIL;

	if (com != NULL && (o->title == NULL || ope_comments_add(com, "TITLE", o->title) == OPE_OK))
		s->enc = ope_encoder_create_callbacks(&cb, s, com, 48000, 1, 0, &err);
	ope_comments_destroy(com);
	if (s->enc == NULL ||
	    (err = ope_encoder_ctl(s->enc, OPUS_SET_BITRATE(o->bitrate))) != OPE_OK ||
	    (err = ope_encoder_ctl(s->enc, OPE_SET_SERIALNO((opus_int32)(randombytes_random() &
	    0x7fffffff)))) != OPE_OK ||
	    (err = ope_encoder_ctl(s->enc, OPE_SET_MUXING_DELAY(LIVE_MUXING_DELAY))) != OPE_OK ||
	    (err = ope_encoder_ctl(s->enc, OPE_SET_DECISION_DELAY(0))) != OPE_OK ||
	    (err = ope_encoder_ctl(s->enc, OPE_SET_COMMENT_PADDING(0))) != OPE_OK ||
	    (err = ope_encoder_flush_header(s->enc)) != OPE_OK) {
		snprintf(why, whylen, _("the Opus encoder cannot start: %s"), ope_strerror(err));
		return -EIO;
	}
	return 0;
}

int
live_send_write(struct live_send *s, const float *pcm, size_t n, char *why, size_t whylen)
{
	int err = ope_encoder_write_float(s->enc, pcm, (int)n);

	if (s->overflow) {
		snprintf(why, whylen, "%s", _("the stream server has not taken the broadcast for a "
		    "minute: the network to it is too slow or cut"));
		return -ETIMEDOUT;
	}
	if (err != OPE_OK) {
		snprintf(why, whylen, _("the Opus encoder failed: %s"), ope_strerror(err));
		return -EIO;
	}
	return 0;
}

int
live_send_drain(struct live_send *s)
{
	return ope_encoder_drain(s->enc) == OPE_OK ? 0 : -EIO;
}

int
live_send_flushed(const struct live_send *s)
{
	return s->off == s->len;
}

/* --- the connection --------------------------------------------------------------------------- */

static size_t
up_read(char *dst, size_t size, size_t nitems, void *user)
{
	struct live_send *s = user;
	size_t n = s->len - s->off;

	if (n == 0) {
		s->paused = 1;
		return CURL_READFUNC_PAUSE;
	}
	if (n > size * nitems)
		n = size * nitems;
	memcpy(dst, s->buf + s->off, n);
	s->off += n;
	return n;
}

/* Each status line: "HTTP/1.1 100 Continue", then "HTTP/1.0 200 OK" once the source is taken. */
static size_t
up_header(char *line, size_t size, size_t nitems, void *user)
{
	struct live_send *s = user;
	size_t n = size * nitems;
	char text[64];
	int code;

	snprintf(text, sizeof(text), "%.*s", (int)(n < sizeof(text) - 1 ? n : sizeof(text) - 1),
	    line);
	if (strncmp(text, "HTTP/", 5) == 0 && sscanf(text, "HTTP/%*s %d", &code) == 1) {
		s->status = code;
		if (code == 200)
			s->accepted = 1;
	}
	return n;
}

/* What the server says with a refusal ("Mountpoint in use"), kept short for the message. */
static size_t
up_body(char *data, size_t size, size_t nitems, void *user)
{
	struct live_send *s = user;
	size_t n = size * nitems, room = sizeof(s->body) - 1 - s->body_len, i;

	for (i = 0; i < n && i < room; i++)
		s->body[s->body_len++] = (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : ' ';
	s->body[s->body_len] = '\0';
	return n;
}

/* Notes the connection's socket: libcurl tells it only after a transfer, too late for conn_cut. */
static int
up_socket(void *user, curl_socket_t fd, curlsocktype purpose)
{
	struct live_send *s = user;

	if (purpose == CURLSOCKTYPE_IPCXN)
		s->fd = fd;
	return CURL_SOCKOPT_OK;
}

static int
curl_setup(struct live_send *s, const struct live_send_opts *o)
{
	CURL *e = s->easy;

	/* Content-Type tells Icecast the format; "Transfer-Encoding:" keeps the body unframed. */
	if ((s->headers = curl_slist_append(NULL, "Content-Type: audio/ogg")) == NULL ||
	    curl_slist_append(s->headers, "Transfer-Encoding:") == NULL ||
	    curl_slist_append(s->headers, "Ice-Public: 0") == NULL)
		return -ENOMEM;
	if (curl_easy_setopt(e, CURLOPT_URL, s->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_USERNAME, "source") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PASSWORD, o->password) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_READFUNCTION, up_read) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_READDATA, s) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, up_header) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HEADERDATA, s) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, up_body) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, s) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->curl_err) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, up_socket) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, s) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
		return -EINVAL;
	if (o->ca != NULL && curl_easy_setopt(e, CURLOPT_CAINFO, o->ca) != CURLE_OK)
		return -EINVAL;
	return curl_multi_add_handle(s->multi, e) == CURLM_OK ? 0 : -ENOMEM;
}

struct live_send *
live_send_new(const struct live_send_opts *o, char *why, size_t whylen)
{
	struct live_send *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(why, whylen, "%s", _("out of memory"));
		return NULL;
	}
	s->fd = CURL_SOCKET_BAD;
	snprintf(s->url, sizeof(s->url), "%s", o->url);
	if (enc_setup(s, o, why, whylen) < 0)
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (s->multi = curl_multi_init()) == NULL || (s->easy = curl_easy_init()) == NULL ||
	    curl_setup(s, o) < 0) {
		snprintf(why, whylen, "%s", _("the HTTP library (libcurl) cannot start"));
		goto fail;
	}
	return s;
fail:
	live_send_free(s);
	return NULL;
}

/* Why the transfer ended, for the operator. */
static void
step_why(struct live_send *s, CURLcode res, char *why, size_t whylen)
{
	char pub[STREAM_URL_MAX + 1];

	stream_url_public(s->url, pub, sizeof(pub));
	if (s->status == 401)
		snprintf(why, whylen, _("the stream server %s refused the source password "
		    "(401); copy it again from the server's stream/source.password into the file "
		    "district.cfg names in live.password_file"), pub);
	else if (s->status == 403 && strstr(s->body, "in use") != NULL)
		snprintf(why, whylen, _("the stream server already has a broadcast on %s; stop it, "
		    "or wait a minute and start again"), pub);
	else if (s->status >= 400)
		snprintf(why, whylen, _("the stream server %s refused the broadcast (%d: %s)"), pub,
		    s->status, s->body[0] != '\0' ? s->body : _("no reason given"));
	else if (res == CURLE_PEER_FAILED_VERIFICATION || res == CURLE_SSL_CONNECT_ERROR ||
	    res == CURLE_SSL_CACERT_BADFILE)
		snprintf(why, whylen, _("the stream server %s is not the district's: its TLS "
		    "certificate is not from the district's CA (%s)"), pub, s->curl_err);
	else if (res == CURLE_COULDNT_CONNECT || res == CURLE_COULDNT_RESOLVE_HOST ||
	    res == CURLE_OPERATION_TIMEDOUT)
		snprintf(why, whylen, _("cannot reach the stream server %s (%s); check that icecast2 "
		    "runs there, and the address in district.cfg's live.server"), pub,
		    s->curl_err[0] != '\0' ? s->curl_err : curl_easy_strerror(res));
	else if (s->accepted)
		snprintf(why, whylen, _("the stream server %s ended the broadcast (%s)"), pub,
		    s->curl_err[0] != '\0' ? s->curl_err : curl_easy_strerror(res));
	else
		snprintf(why, whylen, _("the stream server %s did not take the broadcast (%s)"), pub,
		    s->curl_err[0] != '\0' ? s->curl_err : curl_easy_strerror(res));
}

int
live_send_step(struct live_send *s, struct pollfd *fds, int nfds, long wait_ms, char *why,
    size_t whylen)
{
	struct curl_waitfd w[2];
	CURLMsg *msg;
	int running, i, left;

	if (s->paused && s->off < s->len) {
		s->paused = 0;
		curl_easy_pause(s->easy, CURLPAUSE_CONT);
	}
	if (curl_multi_perform(s->multi, &running) != CURLM_OK)
		return snprintf(why, whylen, "%s", _("the HTTP library (libcurl) failed")), -EIO;
	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE) {
			step_why(s, msg->data.result, why, whylen);
			return s->status == 401 ? -EACCES : -ECONNRESET;
		}
	for (i = 0; i < nfds && i < 2; i++)
		w[i] = (struct curl_waitfd){ fds[i].fd, CURL_WAIT_POLLIN, 0 };
	if (curl_multi_poll(s->multi, w, (unsigned)i, (int)wait_ms, NULL) != CURLM_OK)
		return snprintf(why, whylen, "%s", _("the HTTP library (libcurl) failed")), -EIO;
	return s->accepted ? LIVE_SEND_ON : LIVE_SEND_CONNECTING;
}

/*
 * Ends the connection with a TCP reset, before libcurl can close it cleanly.
 * Icecast 2.4.4 takes a TLS source's end (SSL_read returning 0, after a
 * close_notify or a FIN) for "no data yet": the mount stays, the listeners
 * wait, and the server spins on the socket for good. A reset is an error
 * it does see (SSL_read < 0), and ends the mount at once. A connect() to
 * AF_UNSPEC is how Linux resets a connected TCP socket without closing the
 * descriptor, which stays libcurl's to close.
 */
static void
conn_cut(struct live_send *s)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	if (s->fd != CURL_SOCKET_BAD)
		(void)connect(s->fd, &sa, sizeof(sa));
}

void
live_send_free(struct live_send *s)
{
	if (s == NULL)
		return;
	conn_cut(s);
	if (s->multi != NULL && s->easy != NULL)
		curl_multi_remove_handle(s->multi, s->easy);	/* closes: the mount ends */
	if (s->easy != NULL)
		curl_easy_cleanup(s->easy);
	if (s->multi != NULL)
		curl_multi_cleanup(s->multi);
	curl_slist_free_all(s->headers);
	if (s->enc != NULL)
		ope_encoder_destroy(s->enc);
	free(s->buf);
	free(s);
}
