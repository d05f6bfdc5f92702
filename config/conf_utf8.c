/*
 * UTF-8 text for people: whether it is valid, whether it holds control
 * characters, how to make it safe for a terminal, and how to quote it safely
 * in a message.
 */
#include <stddef.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"

/* Length of the valid UTF-8 sequence at p (its code point in *cp), or 0. */
static size_t
utf8_decode(const unsigned char *p, unsigned *cp)
{
	static const unsigned min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;
	unsigned c = p[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		n = 2, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 4, c &= 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
conf_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;
	size_t n;

	while (*p != '\0') {
		if ((n = utf8_decode(p, &cp)) == 0)
			return 0;
		p += n;
	}
	return 1;
}

static int
is_control(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

int
conf_utf8_has_control(const char *s)
{
	const unsigned char *p;
	unsigned cp;
	size_t n;

	for (p = (const unsigned char *)s; *p != '\0'; p += n) {
		n = utf8_decode(p, &cp);
		if (is_control(cp))
			return 1;
	}
	return 0;
}

int
conf_text_clean(const char *s)
{
	return s != NULL && conf_utf8_valid(s) && !conf_utf8_has_control(s);
}

void
conf_text_defang(char *s)
{
	unsigned char *p = (unsigned char *)s, *o = p;
	unsigned cp;
	size_t n;

	while (*p != '\0') {
		n = utf8_decode(p, &cp);
		if (n == 0 || is_control(cp)) {
			*o++ = '?';
			p += n == 0 ? 1 : n;
		} else {
			memmove(o, p, n);
			o += n;
			p += n;
		}
	}
	*o = '\0';
}

void
conf_quote(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n, limit;
	unsigned cp;

	if (len == 0)
		return;
	/* Room for "..." and the NUL; and no more than a line's worth. */
	limit = len > 84 ? 80 : (len > 4 ? len - 4 : 0);
	while (*p != '\0') {
		n = utf8_decode(p, &cp);
		if (n == 0 || is_control(cp)) {
			n = 1;
			if (o + 1 > limit)
				break;
			buf[o++] = '?';
		} else {
			if (o + n > limit)
				break;
			memcpy(buf + o, p, n);
			o += n;
		}
		p += n;
	}
	if (*p != '\0' && o + 3 < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}
