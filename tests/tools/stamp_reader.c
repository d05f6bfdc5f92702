/*
 * The end of a paced test sink: copies stdin to stdout and writes the wall
 * clock time (seconds.nanoseconds) at which the first byte arrived into
 * STAMPFILE. Usage: ... | stamp_reader STAMPFILE > out.raw
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int stamped = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: stamp_reader STAMPFILE\n");
		return 2;
	}
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		if (!stamped) {
			struct timespec ts;
			FILE *f;

			clock_gettime(CLOCK_REALTIME, &ts);
			if ((f = fopen(argv[1], "w")) != NULL) {
				fprintf(f, "%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
				fclose(f);
			}
			stamped = 1;
		}
		if (write(1, buf, (size_t)n) != n)
			return 1;
	}
	return 0;
}
