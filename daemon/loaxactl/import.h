/*
 * A recording made a bulletin, on the operator's side: any recording
 * (WAV, MP3, FLAC, Ogg Vorbis, M4A/AAC, AMR, or Ogg Opus) becomes Ogg Opus
 * at the loudness the configuration asks for (import group), before
 * anything is sent to a station. What is not Ogg Opus is decoded by
 * loaxa-decode in its cage, measured (EBU R128), brought to the target with
 * a limiter where the peaks demand it, and encoded with libopusenc. Ogg
 * Opus is measured with the station's own reader: it is kept as it is when
 * already at the target, given a new output gain in its header when that
 * is enough, and encoded again only when its peaks need the limiter.
 * README.md, "Bringing in a recording", tells operators what it does.
 */
#ifndef LOAXA_IMPORT_H
#define LOAXA_IMPORT_H

#include <stdio.h>

#include "codecs/loudness.h"
#include "config/conf.h"

enum import_how {
	IMPORT_KEPT,		/* Ogg Opus already at the target: sent as it is */
	IMPORT_GAIN_SET,	/* Ogg Opus given a new output gain in its header */
	IMPORT_ENCODED,		/* decoded, brought to the target, encoded */
};

struct import_result {
	int	 fd;		/* the bulletin (Ogg Opus) at offset 0; import_close() closes it */
	char	 path[40];	/* a name that opens it: /proc/self/fd/N */
	char	 name[256];	/* the file name it goes by: the recording's, ending in .opus */
	char	 title[256];	/* the title in the recording's tags; "" when none */
	char	 kind[48];	/* what the recording was, for people: "MP3", "Ogg Opus"... */
	enum import_how how;
	double	 seconds;
	struct loudness_result before, after;
	double	 gain;		/* dB applied */
	double	 limited;	/* share of the sound the limiter brought down, 0..1 */
	double	 clipped;	/* share of the recording that was clipped flat, 0..1 */
};

/*
 * Prepares the recording at path. title (--title, or NULL) goes into the
 * tags of what is encoded. 0 and *r; or -1 with why, a sentence for the
 * operator (what is wrong with the recording and what to do).
 */
int	import_bulletin(const char *path, const struct cfg_import *, const char *title,
	    struct import_result *r, char *why, size_t len);
/* 1 when the recording was clipped enough to sound distorted (a warning: it still goes). */
int	import_clipped_badly(const struct import_result *);
/* What was done, in a few lines for people, each starting with indent. */
void	import_print(FILE *, const struct import_result *, const char *indent);
void	import_close(struct import_result *);

#endif
