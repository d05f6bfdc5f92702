/*
 * How `loaxactl report` prints its tables for people: a text table on the
 * terminal, or CSV for Excel (UTF-8 with a byte-order mark, so that Excel
 * reads Vietnamese right). Column headers and the few words in cells are
 * messages like any other, in one table (report_words[] in report_out.c)
 * that the catalogue translates; dates are dd/mm/yyyy in Vietnamese,
 * YYYY-MM-DD in English; decimals take a comma in Vietnamese.
 */
#ifndef LOAXA_REPORT_OUT_H
#define LOAXA_REPORT_OUT_H

#include <stdio.h>

/* The words of the report (report_out.c). */
enum report_word {
	RW_STATION, RW_NAME, RW_BROADCASTS, RW_MINUTES, RW_MISSED, RW_FAILED, RW_INTERRUPTED,
	RW_AVAILABILITY, RW_DAYS, RW_COMPLETE, RW_FROM, RW_TO,
	RW_TITLE, RW_SHA256, RW_STREAM, RW_TAGS, RW_STATIONS, RW_TAG,
	RW_TOTAL, RW_ALL_STATIONS, RW_YES, RW_NO_MISSING, RW_UNKNOWN,
	RW_COUNT
};

/*
 * 1 when the report speaks Vietnamese: the first of LANGUAGE, LC_ALL,
 * LC_MESSAGES and LANG that is set and not empty starts with "vi" (read
 * from the variables themselves, so that it holds whether or not the
 * Vietnamese locale is installed).
 */
int	report_vi(void);

/* The word in the user's language. RW_NO_MISSING has a %ld for the records missing. */
const char *report_word(enum report_word);

/* A day as YYYYMMDD written for people: dd/mm/yyyy (vi) or yyyy-mm-dd. */
void	report_day(int day, int vi, char *buf, size_t len);
/* A number with one decimal: 312,5 (vi) or 312.5. */
void	report_dec(double v, int vi, char *buf, size_t len);

/* A table: the headers, then rows of cells (copied), the last one may be the totals. */
struct report_table;

struct report_table *report_table_new(int vi, const enum report_word *cols, int ncols);
void	report_table_free(struct report_table *);
/* Adds a row of ncols cells (NULL: an empty cell). 0 or -ENOMEM. */
int	report_table_row(struct report_table *, const char *const *cells);
/* Marks the next rows as totals (the text table rules a line above them). */
void	report_table_totals(struct report_table *);
/* Prints the table aligned, for the terminal; numbers (cols right) to the right. */
void	report_table_text(const struct report_table *, FILE *fp);
/* Writes the table as CSV with a byte-order mark (RFC 4180 quoting). 0, or -1 on a write error. */
int	report_table_csv(const struct report_table *, FILE *fp);

#endif
