/*
 * What loaxa-decode (daemon/decoder/) sends back to the command that started
 * it, on its standard output: one line of JSON that says what the recording
 * is, then the sound as 32-bit float samples in the machine's byte order,
 * mono, at DECODE_RATE, until the end. Its exit status says how it ended.
 *
 * The line: {"format":"mp3","codec":"mp3","rate":44100,"channels":2,
 * "title":"..."} (title only when the file's tags have one). The parent
 * trusts none of it: the line is bounded and parsed as JSON, the title is
 * checked like any other, and the samples are checked to be finite.
 */
#ifndef LOAXA_DECODE_WIRE_H
#define LOAXA_DECODE_WIRE_H

#define DECODE_RATE		48000
#define DECODE_LINE_MAX		4096	/* bytes of the first line, its '\n' included */

/* Exit statuses of loaxa-decode. */
#define DECODE_OK		0
#define DECODE_NOT_AUDIO	10	/* no format we take, or no sound in it */
#define DECODE_DAMAGED		11	/* recognised, but it cannot be read through */
#define DECODE_UNSUPPORTED	12	/* a kind of sound we do not decode */
#define DECODE_NO_MEMORY	13
#define DECODE_BROKEN_PIPE	14	/* the parent stopped reading: not an error of the file */
#define DECODE_NO_SANDBOX	15	/* the cage could not be built: nothing was parsed */

#endif
