/*
 * The address of a stream to relay: a programme of the national, provincial
 * or district station (schedule.cfg's "relay", a district manifest's, a live
 * alert's). The one home of what such an address may be, and of how it is
 * shown in reports: without the credentials it may carry.
 */
#ifndef LOAXA_STREAM_URL_H
#define LOAXA_STREAM_URL_H

#include <stddef.h>

#define STREAM_URL_MAX	1023	/* bytes */

/*
 * 0 when url is http:// or https:// with a host, at most STREAM_URL_MAX
 * bytes of printable ASCII without spaces; otherwise -EINVAL with a reason
 * for people in why (may be NULL).
 */
int	stream_url_check(const char *url, char *why, size_t whylen);
/*
 * url for reports and logs: "user:password@" and the query ("?token=...")
 * left out, since either may be a credential. Always terminates out.
 */
void	stream_url_public(const char *url, char *out, size_t outlen);

#endif
