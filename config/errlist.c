/* A bounded list of messages for people. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/errlist.h"

void
errlist_init(struct errlist *el)
{
	el->n = 0;
	el->dropped = 0;
}

void
errlist_clear(struct errlist *el)
{
	size_t i;

	for (i = 0; i < el->n; i++)
		free(el->msg[i]);
	errlist_init(el);
}

void
errlist_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

void
errlist_add(struct errlist *el, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (el->n == ERRLIST_MAX) {
		el->dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		el->dropped++;
		return;
	}
	el->msg[el->n++] = s;
}

size_t
errlist_count(const struct errlist *el)
{
	return el->n + el->dropped;
}

void
errlist_print(const struct errlist *el, const char *prefix, void *fp)
{
	size_t i;

	for (i = 0; i < el->n; i++)
		fprintf(fp, "%s%s\n", prefix, el->msg[i]);
	if (el->dropped > 0)
		fprintf(fp, "%s(%zu more problems not shown)\n", prefix, el->dropped);
}
