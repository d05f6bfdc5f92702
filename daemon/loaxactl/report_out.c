/*
 * The report's tables for people (report_out.h): the words in two
 * languages, and the text and CSV renderings of a table.
 *
 * The words are translated by the catalogue (config/po/vi.po) like every
 * other message; report_vi() decides the dates and decimals of a
 * Vietnamese report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/report_out.h"

#define REPORT_COLS_MAX	16

static const struct {
	const char *en;
	int	 numeric;	/* aligned to the right in the text table */
} report_words[RW_COUNT] = {
	[RW_STATION] = { N_("Station"), 0 },
	[RW_NAME] = { N_("Name"), 0 },
	[RW_BROADCASTS] = { N_("Broadcasts"), 1 },
	[RW_MINUTES] = { N_("Minutes aired"), 1 },
	[RW_MISSED] = { N_("Missed"), 1 },
	[RW_FAILED] = { N_("Failed"), 1 },
	[RW_INTERRUPTED] = { N_("Interrupted"), 1 },
	[RW_AVAILABILITY] = { N_("Availability (%)"), 1 },
	[RW_DAYS] = { N_("Days with broadcasts"), 1 },
	[RW_COMPLETE] = { N_("Records complete"), 0 },
	[RW_FROM] = { N_("From"), 0 },
	[RW_TO] = { N_("To"), 0 },
	[RW_TITLE] = { N_("Bulletin"), 0 },
	[RW_SHA256] = { N_("SHA-256"), 0 },
	[RW_STREAM] = { N_("Stream relayed"), 0 },
	[RW_TAGS] = { N_("Tags"), 0 },
	[RW_STATIONS] = { N_("Stations"), 1 },
	[RW_TAG] = { N_("Tag"), 0 },
	[RW_TOTAL] = { N_("Total"), 0 },
	[RW_ALL_STATIONS] = { N_("all stations"), 0 },
	[RW_YES] = { N_("yes"), 0 },
	[RW_NO_MISSING] = { N_("no (%ld missing)"), 0 },
	[RW_UNKNOWN] = { N_("-"), 0 },
};

struct report_table {
	int		 vi;
	int		 ncols;
	enum report_word cols[REPORT_COLS_MAX];
	char		**cells;	/* nrows * ncols */
	size_t		 nrows, cap;
	size_t		 totals;	/* the first totals row (nrows: none) */
	int		 has_totals;
};

int
report_vi(void)
{
	static const char *const vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if ((v = getenv(vars[i])) != NULL && v[0] != '\0')
			return strncmp(v, "vi", 2) == 0;
	return 0;
}

const char *
report_word(enum report_word w)
{
	return _(report_words[w].en);
}

void
report_day(int day, int vi, char *buf, size_t len)
{
	int y = day / 10000, m = day / 100 % 100, d = day % 100;

	if (vi)
		snprintf(buf, len, "%02d/%02d/%04d", d, m, y);
	else
		snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

void
report_dec(double v, int vi, char *buf, size_t len)
{
	char *dot;

	snprintf(buf, len, "%.1f", v);
	if (vi && (dot = strchr(buf, '.')) != NULL)
		*dot = ',';
}

struct report_table *
report_table_new(int vi, const enum report_word *cols, int ncols)
{
	struct report_table *t;

	if (ncols > REPORT_COLS_MAX || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->vi = vi;
	t->ncols = ncols;
	memcpy(t->cols, cols, (size_t)ncols * sizeof(*cols));
	return t;
}

void
report_table_free(struct report_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

int
report_table_row(struct report_table *t, const char *const *cells)
{
	size_t base = t->nrows * (size_t)t->ncols, ncap;
	char **nv;
	int i;

	if (t->nrows == t->cap) {
		ncap = t->cap ? t->cap * 2 : 64;
		if ((nv = reallocarray(t->cells, ncap * (size_t)t->ncols, sizeof(*nv))) == NULL)
			return -ENOMEM;
		t->cells = nv;
		t->cap = ncap;
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + (size_t)i] = strdup(cells[i] != NULL ? cells[i] : "");
		if (t->cells[base + (size_t)i] == NULL) {
			while (--i >= 0)
				free(t->cells[base + (size_t)i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

void
report_table_totals(struct report_table *t)
{
	if (!t->has_totals) {
		t->totals = t->nrows;
		t->has_totals = 1;
	}
}

static const char *
cell(const struct report_table *t, size_t row, int col)
{
	return t->cells[row * (size_t)t->ncols + (size_t)col];
}

/* The period's columns are for the CSV: on the terminal the title line says it. */
static int
text_shown(const struct report_table *t, int col)
{
	return t->cols[col] != RW_FROM && t->cols[col] != RW_TO;
}

/* One line of the text table: cells padded to their column's width. */
static void
text_line(const struct report_table *t, FILE *fp, const char *const *v, const int *width)
{
	int i, pad, last = t->ncols - 1;

	while (last > 0 && !text_shown(t, last))
		last--;
	for (i = 0; i <= last; i++) {
		if (!text_shown(t, i))
			continue;
		pad = width[i] - ctl_out_width(v[i]);
		if (report_words[t->cols[i]].numeric)
			fprintf(fp, "%s%*s%s", i ? "  " : "", pad > 0 ? pad : 0, "", v[i]);
		else if (i == last)
			fprintf(fp, "%s%s", i ? "  " : "", v[i]);
		else
			fprintf(fp, "%s%s%*s", i ? "  " : "", v[i], pad > 0 ? pad : 0, "");
	}
	fputc('\n', fp);
}

void
report_table_text(const struct report_table *t, FILE *fp)
{
	const char *v[REPORT_COLS_MAX];
	int width[REPORT_COLS_MAX], i, w, total = 0;
	size_t r;

	for (i = 0; i < t->ncols; i++) {
		v[i] = report_word(t->cols[i]);
		width[i] = ctl_out_width(v[i]);
		for (r = 0; r < t->nrows; r++)
			if ((w = ctl_out_width(cell(t, r, i))) > width[i])
				width[i] = w;
		if (text_shown(t, i))
			total += width[i] + (i ? 2 : 0);
	}
	text_line(t, fp, v, width);
	for (r = 0; r < t->nrows; r++) {
		if (t->has_totals && r == t->totals)
			fprintf(fp, "%.*s\n", total, "------------------------------------------------"
			    "------------------------------------------------------------------------"
			    "------------------------------------------------------------------------");
		for (i = 0; i < t->ncols; i++)
			v[i] = cell(t, r, i);
		text_line(t, fp, v, width);
	}
}

/* One CSV field: quoted when it has a separator, a quote or a line break. */
static void
csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

int
report_table_csv(const struct report_table *t, FILE *fp)
{
	size_t r;
	int i;

	fputs("\xEF\xBB\xBF", fp);
	for (i = 0; i < t->ncols; i++) {
		fputs(i ? "," : "", fp);
		csv_field(fp, report_word(t->cols[i]));
	}
	fputs("\r\n", fp);
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			fputs(i ? "," : "", fp);
			csv_field(fp, cell(t, r, i));
		}
		fputs("\r\n", fp);
	}
	return ferror(fp) ? -1 : 0;
}
