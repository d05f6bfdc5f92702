/*
 * The smallest test harness that does the job: each check prints one
 * "ok - ..." or "not ok - ..." line, which tests/run.sh counts.
 */
#ifndef LOAXA_T_H
#define LOAXA_T_H

#include <stdio.h>
#include <string.h>

static int t_failed_checks;
static int t_case_failed;

#define T_ASSERT(c) do { if (!(c)) { t_case_failed = 1; \
	fprintf(stderr, "  %s:%d: assertion failed: %s\n", __FILE__, __LINE__, #c); } } while (0)
#define T_EQ_INT(a, b) do { long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
	if (t_a_ != t_b_) { t_case_failed = 1; fprintf(stderr, \
	"  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, t_a_, #b, t_b_); } } while (0)
#define T_EQ_STR(a, b) do { const char *t_a_ = (a), *t_b_ = (b); \
	if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0) { t_case_failed = 1; \
	fprintf(stderr, "  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
	#a, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); } } while (0)
/* True when needle occurs in haystack. */
#define T_CONTAINS(hay, needle) do { const char *t_h_ = (hay), *t_n_ = (needle); \
	if (t_h_ == NULL || strstr(t_h_, t_n_) == NULL) { t_case_failed = 1; \
	fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
	t_h_ ? t_h_ : "(null)", t_n_); } } while (0)

#define T_RUN(fn) do { t_case_failed = 0; fn(); \
	printf("%s - %s\n", t_case_failed ? "not ok" : "ok", #fn); fflush(stdout); \
	t_failed_checks += t_case_failed; } while (0)

#define T_EXIT() (t_failed_checks ? 1 : 0)

#endif
