/*
 * A stream's bytes over HTTP or HTTPS, pulled by libcurl when the decoder
 * asks for them, with our own stall timer: no byte for stall seconds ends
 * it. Everything that needs a file or DNS happens in http_pull_new(),
 * before the cage: the host is resolved and pinned (CURLOPT_RESOLVE), the
 * certificate authorities are read into memory. After it, only the
 * sockets: a redirect is followed by us (at most a few) and only to the
 * same host, whose addresses we already have.
 */
#ifndef LOAXA_HTTP_PULL_H
#define LOAXA_HTTP_PULL_H

#include <stddef.h>
#include <stdint.h>

struct http_pull;

/*
 * Prepares the transfer of url (checked by stream_url_check). ca: nca PEM
 * files trusted besides the system's bundle. NULL, with a sentence for a
 * commune operator in why, when the name cannot be resolved or a file
 * cannot be read. Call curl_global_init() first.
 */
struct http_pull *http_pull_new(const char *url, char *const *ca, int nca, unsigned stall_s,
	    char *why, size_t whylen);
/*
 * Waits for the first bytes of the stream (the response's header is then
 * read): 0, or -EIO when the transfer failed (http_pull_error says why).
 */
int	http_pull_wait(struct http_pull *);
/* The stream's Content-Type (e.g. "audio/mpeg"), lower case, no parameters; "" if none. */
const char *http_pull_content_type(const struct http_pull *);
/*
 * An av_read_fn (daemon/decoder/av_input.h): blocks until bytes come, at
 * most stall seconds. Bytes (> 0), 0 when the server ended the stream, or
 * a negative errno; then http_pull_error() says why.
 */
int	http_pull_read(void *hp, uint8_t *buf, int len);
/* What went wrong, for a commune operator, or NULL when nothing did. */
const char *http_pull_error(const struct http_pull *);
/* 1 when the first bytes received look like a web page (HTML). */
int	http_pull_web_page(const struct http_pull *);
void	http_pull_free(struct http_pull *);

#endif
