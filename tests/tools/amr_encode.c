/*
 * Encodes speech to an AMR-NB file (.amr, RFC 4867 storage format) with
 * the OpenCORE AMR-NB encoder, the one Android phones record with, for
 * tests: Debian's ffmpeg and sox decode AMR but do not encode it.
 * Usage: amr_encode <RAW_S16LE_8KHZ_MONO >OUT.amr
 */
#include <stdio.h>
#include <string.h>

#include <opencore-amrnb/interf_enc.h>

int
main(void)
{
	short speech[160];
	unsigned char frame[64];
	void *enc = Encoder_Interface_init(0);
	size_t n;
	int len;

	if (enc == NULL)
		return 1;
	fwrite("#!AMR\n", 1, 6, stdout);
	while ((n = fread(speech, sizeof(short), 160, stdin)) > 0) {
		if (n < 160)
			memset(speech + n, 0, (160 - n) * sizeof(short));
		len = Encoder_Interface_Encode(enc, MR122, speech, frame, 0);
		if (len > 0)
			fwrite(frame, 1, (size_t)len, stdout);
	}
	Encoder_Interface_exit(enc);
	return ferror(stdout) ? 1 : 0;
}
