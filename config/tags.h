/*
 * A bulletin's tags: short labels the district office counts airtime by
 * ("giam-ngheo", "du-an-6"), given in the schedule, in district manifests and
 * on 'loaxactl queue --tag', and carried in every event of the bulletin's
 * plays. The one home of what a tag may be: every way a tag comes in (the
 * schedule file, a manifest, the control socket, the command line) checks it
 * here.
 *
 * A tag is UTF-8 text (Vietnamese is fine) of 1 to TAG_MAX_BYTES bytes, with
 * no control character and no space at its start or end. A bulletin has at
 * most TAGS_MAX of them, in the order given; a tag given twice is kept once,
 * where it first came (tags are compared byte for byte, so "Giam-ngheo" and
 * "giam-ngheo" are two tags).
 */
#ifndef LOAXA_TAGS_H
#define LOAXA_TAGS_H

#include <stddef.h>

#define TAGS_MAX	16	/* per bulletin */
#define TAG_MAX_BYTES	64

struct tags {
	char	**v;		/* n tags, each its own allocation; NULL when n is 0 */
	size_t	  n;
};

/* 0 when tag is a valid tag, or -EINVAL with a reason for people in why (may be NULL). */
int	tag_check(const char *tag, char *why, size_t whylen);
/*
 * Appends a copy of tag unless t has it already (then 0, nothing changes).
 * -EINVAL with the reason in why when the tag is not valid or t has TAGS_MAX
 * tags already; -ENOMEM. t is unchanged on failure.
 */
int	tags_add(struct tags *t, const char *tag, char *why, size_t whylen);
/* tags_add() of each of src's tags in turn: the union, dst's first. */
int	tags_add_all(struct tags *dst, const struct tags *src, char *why, size_t whylen);
/* 1 when t has tag. */
int	tags_has(const struct tags *t, const char *tag);
/* Makes dst (which owns nothing) a deep copy of src: 0, or -ENOMEM with dst empty. */
int	tags_copy(struct tags *dst, const struct tags *src);
/* Frees what t owns and empties it; an empty t is fine. */
void	tags_clear(struct tags *t);

#endif
