/* The address of a stream to relay (see stream_url.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/i18n.h"
#include "config/stream_url.h"

/* The length of url's scheme and "://", or 0 when it is neither http nor https. */
static size_t
stream_url_scheme(const char *url)
{
	if (strncasecmp(url, "http://", 7) == 0)
		return 7;
	if (strncasecmp(url, "https://", 8) == 0)
		return 8;
	return 0;
}

static void
why_set(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0)
		(void)snprintf(why, whylen, "%s", msg);
}

int
stream_url_check(const char *url, char *why, size_t whylen)
{
	size_t i, n = strlen(url), start = stream_url_scheme(url);

	if (n > STREAM_URL_MAX) {
		why_set(why, whylen, _("the address is too long (at most 1023 characters)"));
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) {
			why_set(why, whylen, _("the address has a space or a character that is not "
			    "plain ASCII; write it as a browser shows it, e.g. "
			    "\"http://radio.example.vn:8000/kenh1\""));
			return -EINVAL;
		}
	if (start == 0) {
		why_set(why, whylen, _("the address must start with http:// or https://, e.g. "
		    "\"http://radio.example.vn:8000/kenh1\""));
		return -EINVAL;
	}
	if (url[start] == '\0' || url[start] == '/' || url[start] == ':' || url[start] == '?' ||
	    url[start] == '@') {
		why_set(why, whylen, _("the address names no server, e.g. "
		    "\"http://radio.example.vn:8000/kenh1\""));
		return -EINVAL;
	}
	return 0;
}

void
stream_url_public(const char *url, char *out, size_t outlen)
{
	size_t start = stream_url_scheme(url), host, end;
	const char *at, *slash;

	if (outlen == 0)
		return;
	host = start;
	slash = strchr(url + start, '/');
	at = strchr(url + start, '@');
	if (at != NULL && (slash == NULL || at < slash))
		host = (size_t)(at - url) + 1;
	end = strcspn(url, "?#");
	if (end < host)
		end = host;
	(void)snprintf(out, outlen, "%.*s%.*s", (int)start, url, (int)(end - host), url + host);
}
