/* Raising an Ogg Opus file's output gain (see opus_gain.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ogg/ogg.h>

#include "codecs/opus_gain.h"
#include "config/conf.h"

#define CHUNK		8192
#define TAGS_MAX	(1 << 20)	/* tags beyond this (a huge cover picture): encode again */

struct gain_copy {
	int		 in, out;
	ogg_sync_state	 sync;
	ogg_stream_state tags;
	int		 delta;
	long		 pages_old, pages_new;	/* of the tags */
};

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
page_write(const struct gain_copy *g, const ogg_page *pg)
{
	int rc;

	if (g->out < 0)
		return 0;
	if ((rc = write_all(g->out, pg->header, (size_t)pg->header_len)) < 0)
		return rc;
	return write_all(g->out, pg->body, (size_t)pg->body_len);
}

/* The next page: 1, 0 at the end, or a negative errno. */
static int
page_next(struct gain_copy *g, ogg_page *pg)
{
	char *buf;
	ssize_t n;
	int rc;

	while ((rc = ogg_sync_pageout(&g->sync, pg)) != 1) {
		if (rc < 0)
			return -EINVAL;		/* bytes between pages: damage */
		if ((buf = ogg_sync_buffer(&g->sync, CHUNK)) == NULL)
			return -ENOMEM;
		if ((n = read(g->in, buf, CHUNK)) < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		ogg_sync_wrote(&g->sync, n);
	}
	return 1;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Page 0: OpusHead alone, its gain raised in place. */
static int
head_edit(struct gain_copy *g, ogg_page *pg, struct opus_gain_info *info)
{
	unsigned char *p = pg->body;
	long gain;

	if (!ogg_page_bos(pg) || pg->body_len < 19 || memcmp(p, "OpusHead", 8) != 0 ||
	    ogg_page_packets(pg) != 1 || ogg_page_continued(pg))
		return -EINVAL;
	info->gain_q78 = (int16_t)(p[16] | p[17] << 8);
	gain = (long)info->gain_q78 + g->delta;
	if (gain < OPUS_GAIN_MIN_Q78 || gain > OPUS_GAIN_MAX_Q78)
		return -ERANGE;
	p[16] = (unsigned char)(gain & 0xff);
	p[17] = (unsigned char)((gain >> 8) & 0xff);
	ogg_page_checksum_set(pg);
	return 0;
}

/* TITLE=... of a comment, kept when it is clean text. */
static void
tag_title(const unsigned char *c, size_t len, struct opus_gain_info *info)
{
	size_t k;

	if (len <= 6 || strncasecmp((const char *)c, "TITLE=", 6) != 0 || info->title[0] != '\0')
		return;
	k = len - 6 < sizeof(info->title) - 1 ? len - 6 : sizeof(info->title) - 1;
	memcpy(info->title, c + 6, k);
	info->title[k] = '\0';
	if (!conf_text_clean(info->title))
		info->title[0] = '\0';
}

/*
 * An R128 gain comment written for the new output gain at out: its length,
 * or 0 when c is not one (it is then copied as it is).
 */
static size_t
tag_gain(const unsigned char *c, size_t len, int delta, unsigned char *out)
{
	static const char *const gains[] = { "R128_TRACK_GAIN=", "R128_ALBUM_GAIN=" };
	char num[16], *end;
	size_t i;
	long v;

	for (i = 0; i < sizeof(gains) / sizeof(gains[0]); i++) {
		if (len <= 16 || len - 16 >= sizeof(num) ||
		    strncasecmp((const char *)c, gains[i], 16) != 0)
			continue;
		memcpy(num, c + 16, len - 16);
		num[len - 16] = '\0';
		v = strtol(num, &end, 10);
		if (*end != '\0' || end == num)
			return 0;
		v -= delta;
		v = v < -32768 ? -32768 : v > 32767 ? 32767 : v;
		return (size_t)sprintf((char *)out, "%s%ld", gains[i], v);
	}
	return 0;
}

/*
 * The OpusTags packet p rebuilt for the new gain into *out (malloc'd).
 * An edited comment grows by at most 6 bytes. 0 or -EINVAL/-ENOMEM.
 */
static int
tags_rebuild(const unsigned char *p, size_t len, int delta, unsigned char **out, size_t *olen,
    struct opus_gain_info *info)
{
	size_t pos, vlen, n, i, clen, k, o;
	unsigned char *b;

	if (len < 16 || memcmp(p, "OpusTags", 8) != 0 || (vlen = le32(p + 8)) > len - 16)
		return -EINVAL;
	pos = 12 + vlen;
	n = le32(p + pos);
	pos += 4;
	if (n > (len - pos) / 4 || (b = malloc(len + 6 * n + 16)) == NULL)
		return n > (len - pos) / 4 ? -EINVAL : -ENOMEM;
	memcpy(b, p, pos);
	o = pos;
	for (i = 0; i < n; i++) {
		if (len - pos < 4 || (clen = le32(p + pos)) > len - pos - 4) {
			free(b);
			return -EINVAL;
		}
		pos += 4;
		tag_title(p + pos, clen, info);
		if ((k = tag_gain(p + pos, clen, delta, b + o + 4)) == 0)
			memcpy(b + o + 4, p + pos, (k = clen));
		put_le32(b + o, (uint32_t)k);
		o += 4 + k;
		pos += clen;
	}
	/* What follows the comments (padding, or binary data a tool kept) is kept. */
	memcpy(b + o, p + pos, len - pos);
	*out = b;
	*olen = o + len - pos;
	return 0;
}

/* Reads the pages of the OpusTags packet (counted in pages_old) into *pkt (owned by tags). */
static int
tags_read(struct gain_copy *g, ogg_packet *pkt, int serial)
{
	ogg_page pg;
	int rc;

	for (;;) {
		if ((rc = ogg_stream_packetout(&g->tags, pkt)) == 1)
			return pkt->bytes <= TAGS_MAX ? 0 : -EINVAL;
		if (rc < 0)
			return -EINVAL;
		if ((rc = page_next(g, &pg)) <= 0)
			return rc == 0 ? -EINVAL : rc;
		if (ogg_page_serialno(&pg) != serial || g->pages_old * 4096L > TAGS_MAX)
			return -EINVAL;		/* another stream in the file: leave it to the encoder */
		g->pages_old++;
		if (ogg_stream_pagein(&g->tags, &pg) < 0)
			return -EINVAL;
	}
}

/* Writes the new OpusTags packet as pages 1..pages_new. */
static int
tags_write(struct gain_copy *g, const unsigned char *p, size_t len, int serial)
{
	ogg_stream_state os;
	ogg_packet pkt = { 0 };
	ogg_page pg;
	int rc = 0;

	if (ogg_stream_init(&os, serial) != 0)
		return -ENOMEM;
	os.pageno = 1;
	os.b_o_s = 1;		/* the stream began with OpusHead's page: no second "first page" */
	pkt.packet = (unsigned char *)p;
	pkt.bytes = (long)len;
	pkt.packetno = 1;
	if (ogg_stream_packetin(&os, &pkt) != 0)
		rc = -ENOMEM;
	while (rc == 0 && ogg_stream_flush(&os, &pg) != 0) {
		g->pages_new++;
		rc = page_write(g, &pg);
	}
	ogg_stream_clear(&os);
	return rc;
}

/* The audio pages, renumbered after the new tags. */
static int
audio_copy(struct gain_copy *g)
{
	ogg_page pg;
	int rc;

	while ((rc = page_next(g, &pg)) == 1) {
		if (g->pages_new != g->pages_old) {
			put_le32(pg.header + 18, (uint32_t)(ogg_page_pageno(&pg) - g->pages_old +
			    g->pages_new));
			ogg_page_checksum_set(&pg);
		}
		if ((rc = page_write(g, &pg)) < 0)
			return rc;
	}
	return rc;
}

static int
gain_run(struct gain_copy *g, struct opus_gain_info *info)
{
	ogg_packet pkt;
	ogg_page head;
	unsigned char *tags = NULL;
	size_t tags_len;
	int rc, serial;

	if ((rc = page_next(g, &head)) <= 0)
		return rc == 0 ? -EINVAL : rc;
	serial = ogg_page_serialno(&head);
	if ((rc = head_edit(g, &head, info)) < 0)
		return rc;
	if (ogg_stream_init(&g->tags, serial) != 0)
		return -ENOMEM;
	if ((rc = ogg_stream_pagein(&g->tags, &head)) < 0 || ogg_stream_packetout(&g->tags, &pkt) != 1)
		return -EINVAL;
	/* Now: the page points into the sync buffer, which the next reads reuse. */
	if ((rc = page_write(g, &head)) < 0)
		return rc;
	if ((rc = tags_read(g, &pkt, serial)) < 0 ||
	    (rc = tags_rebuild(pkt.packet, (size_t)pkt.bytes, g->delta, &tags, &tags_len, info)) < 0)
		return rc;
	if (g->out >= 0 && (rc = tags_write(g, tags, tags_len, serial)) == 0)
		rc = audio_copy(g);
	free(tags);
	return rc;
}

int
opus_gain_copy(int in, int out, int delta_q78, struct opus_gain_info *info)
{
	struct gain_copy g = { .in = in, .out = out, .delta = delta_q78 };
	int rc;

	memset(info, 0, sizeof(*info));
	if (lseek(in, 0, SEEK_SET) < 0)
		return -errno;
	ogg_sync_init(&g.sync);
	memset(&g.tags, 0, sizeof(g.tags));
	rc = gain_run(&g, info);
	ogg_stream_clear(&g.tags);
	ogg_sync_clear(&g.sync);
	return rc;
}
