/*
 * What a file is when it is not Ogg Opus, and every error of the reader as a
 * sentence for people (opus_reader_strerror, in opus_reader.h). Used by
 * opus_reader.c only.
 */
#ifndef LOAXA_OPUS_ERRORS_H
#define LOAXA_OPUS_ERRORS_H

#include <stddef.h>

#include <ogg/ogg.h>

/* What a file that does not start with "OggS" is, from its first n bytes: an OPUS_READER_E* code. */
int	opus_sniff(const unsigned char *p, size_t n);
/* The codec of a BOS page that is not Opus: OPUS_READER_ENOTOPUS or a more precise code. */
int	opus_guess_codec(const ogg_page *og);

#endif
