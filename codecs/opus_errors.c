/* The reader's errors: what a file is when it is not Ogg Opus, and what to tell people. */
#include <errno.h>
#include <string.h>

#include "codecs/opus_errors.h"
#include "codecs/opus_reader.h"
#include "config/i18n.h"
#include "config/readfile.h"

/* What a file that does not start with "OggS" is, from its first bytes. */
int
opus_sniff(const unsigned char *p, size_t n)
{
	if (n >= 3 && memcmp(p, "ID3", 3) == 0)
		return OPUS_READER_EMP3;
	if (n >= 12 && (memcmp(p, "RIFF", 4) == 0 || memcmp(p, "RF64", 4) == 0) &&
	    memcmp(p + 8, "WAVE", 4) == 0)
		return OPUS_READER_EWAV;
	if (n >= 4 && memcmp(p, "fLaC", 4) == 0)
		return OPUS_READER_EFLAC;
	if (n >= 8 && memcmp(p + 4, "ftyp", 4) == 0)
		return OPUS_READER_EAAC;
	if (n >= 4 && memcmp(p, "\x30\x26\xb2\x75", 4) == 0)
		return OPUS_READER_EWMA;
	if (n >= 4 && memcmp(p, "\x1a\x45\xdf\xa3", 4) == 0)
		return OPUS_READER_EMKV;
	if (n >= 5 && memcmp(p, "#!AMR", 5) == 0)
		return OPUS_READER_EAMR;
	/* An MPEG audio frame header: 11 sync bits, then version and layer. */
	if (n >= 2 && p[0] == 0xff && (p[1] & 0xe0) == 0xe0) {
		if ((p[1] & 0x06) == 0)
			return (p[1] & 0x10) ? OPUS_READER_EAAC : OPUS_READER_ENOTOGG;
		return OPUS_READER_EMP3;
	}
	return OPUS_READER_ENOTOGG;
}

/* What codec a BOS page that is not Opus begins, for the error message. */
int
opus_guess_codec(const ogg_page *og)
{
	const unsigned char *p = og->body;
	long n = og->body_len;

	if (n >= 7 && memcmp(p, "\x01vorbis", 7) == 0)
		return OPUS_READER_EVORBIS;
	if (n >= 5 && memcmp(p, "\x7f" "FLAC", 5) == 0)
		return OPUS_READER_EOGGFLAC;
	if (n >= 8 && memcmp(p, "Speex   ", 8) == 0)
		return OPUS_READER_ESPEEX;
	if (n >= 7 && memcmp(p, "\x80theora", 7) == 0)
		return OPUS_READER_ETHEORA;
	return OPUS_READER_ENOTOPUS;
}

/* Sentences for people; translated when asked for. */
static const struct {
	int	code;
	const char *msg;
} rd_errors[] = {
	{ 0, N_("no error") },
	{ OPUS_READER_EIO, N_("the file could not be read (input/output error); the storage card may be failing") },
	{ -ENOENT, N_("the file does not exist") },
	{ -EACCES, N_("permission denied: the station may not read this file") },
	{ -EISDIR, N_("it is a folder, not a file") },
	{ -ENOMEM, N_("out of memory") },
	{ -EDOM, N_("the output format asked for is not supported (rate or channels)") },
	{ OPUS_READER_EEMPTY, N_("the file is empty (0 bytes); copy it again") },
	{ OPUS_READER_ENOTOGG, N_("it is not an Ogg Opus file (unknown format); convert it to Opus first") },
	{ OPUS_READER_ENOTOPUS, N_("it is an Ogg file without Opus audio; convert it to Opus first") },
	{ OPUS_READER_EBADHEADER, N_("its Opus header is damaged or missing; encode the file again") },
	{ OPUS_READER_ECORRUPT, N_("the file is damaged (a checksum error or missing data); copy it again from the original") },
	{ OPUS_READER_ETRUNC, N_("the file is incomplete (it ends too early or has no audio); copy or download it again") },
	{ OPUS_READER_EUNSUPP, N_("it uses an Opus format this station cannot play (more than 8 channels or an unknown layout); encode it again as mono or stereo") },
	{ OPUS_READER_EMP3, N_("it is an MP3 file, not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_EWAV, N_("it is a WAV file, not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_EFLAC, N_("it is a FLAC file, not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_EAAC, N_("it is an AAC file (M4A, MP4 or 3GP), not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_EWMA, N_("it is a Windows Media (WMA) file, not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_EMKV, N_("it is a WebM or Matroska file, not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_EAMR, N_("it is an AMR voice recording, not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_EVORBIS, N_("it is an Ogg Vorbis file, not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_EOGGFLAC, N_("it is an Ogg FLAC file, not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_ESPEEX, N_("it is an Ogg Speex file, not Ogg Opus; convert it to Opus first") },
	{ OPUS_READER_ETHEORA, N_("it is an Ogg video without Opus audio; extract the audio as Opus first") },
};

const char *
opus_reader_strerror(int err)
{
	size_t i;

	for (i = 0; i < sizeof(rd_errors) / sizeof(rd_errors[0]); i++)
		if (rd_errors[i].code == err)
			return _(rd_errors[i].msg);
	if (err < 0 && err > -4096)
		return readfile_strerror(err);
	return _("unknown error");
}
