/*
 * libFuzzer over control requests that carry descriptors (SCM_RIGHTS), as
 * 'loaxactl queue' passes the operator's file (issue 15). The real server
 * (daemon/ctl/ctl.c) listens on a real UNIX socket and answers with the
 * station's real handler (daemon/station/station_ctl.c), over a station built
 * by hand around a real store and its writer thread: a "queue" goes all the
 * way, the descriptor checked, the file copied into storage, decoded through
 * and queued, or refused with a sentence. Each input opens up to three
 * connections; each sends a request in one or two parts with descriptors of
 * chosen kinds attached (a regular file holding the input's last bytes, an
 * empty file, a directory, a pipe, a socket, /dev/null, a FIFO, a file opened
 * write-only or O_PATH, one over the size limit, more than the server takes,
 * on a request that takes none) and reads its reply, or goes away first.
 *
 * Besides the sanitizers (LeakSanitizer included), it checks that:
 *   - no descriptor stays open: the process has as many after an input as before;
 *   - the handler is only given close-on-exec descriptors, and keeps its
 *     contract (ctl.h): a refusal says why in "error", and a "queue" answered
 *     later has taken the descriptor, one answered now has not;
 *   - a client that sent a whole line gets one reply line, a JSON object with
 *     "ok", a refusal with an "error" sentence; one that did not gets none;
 *   - a queue that succeeded was given a regular file, and stored exactly its
 *     bytes from the descriptor's offset to its end;
 *   - no temporary copy is left in the store's bulletin directory;
 *   - nothing hangs: a pipe, FIFO or socket passed has a writer that never
 *     writes and never closes, so a daemon that read one would wait forever
 *     (caught after FZ_HANG_MS).
 * The commands that need a player or the MQTT link (status, stop, cancel,
 * mute, unmute) get a stand-in answer: they take no descriptor, and what
 * matters for them is that ctl closes the one they were given.
 *
 * The input, read front to back (what is missing reads as zeros):
 *   byte       connections - 1 (mod FZ_CONNS)
 *   then per connection:
 *     byte     descriptors to pass (mod FZ_FDS; the server takes 8 a read)
 *     bytes    their kinds, one byte each (mod K_COUNT; enum kind below)
 *     byte     how (HOW_* below)
 *     2 bytes  where the request is cut into two parts (little-endian; 0: not cut)
 *     2 bytes  the request's length (little-endian), then its bytes
 *   the rest   the content of the regular files passed
 * The seeds in tests/fuzz/corpus/fuzz_ctl_fds/ are named for what they do;
 * queue-opus, for one, is 00, then 01 00 00 0000 <length> and a "queue"
 * request line passing one K_FILE, then a small Ogg Opus bulletin.
 *
 * The daemon's log is kept in a ring and printed when a check fails;
 * LOAXA_FUZZ_LOG=1 prints it as it comes. The station's files live in a
 * directory under /dev/shm (LOAXA_FUZZ_TMP to choose another), removed at exit.
 *
 *   make fuzz-build
 *   build-fuzz/fuzz/fuzz_ctl_fds -max_total_time=60 -max_len=8192 CORPUS_DIR \
 *       tests/fuzz/corpus/fuzz_ctl_fds
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <ogg/ogg.h>
#include <sodium.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/log.h"
#include "daemon/ctl/ctl.h"
#include "daemon/station/station_int.h"
#include "daemon/store/store.h"
#include "daemon/store/store_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FZ_CONNS	3		/* connections in one input */
#define FZ_FDS		20		/* descriptors on one connection, 0..19 */
#define FZ_HANG_MS	10000		/* an input that takes longer has hung */
#define FZ_REPLY_MAX	(8 << 20)	/* a reply longer than this is a bug */
#define FZ_BIG_BYTES	(513ull << 20)	/* over the 512 MiB a queued file may have */
#define FZ_PAD		(CTL_REQUEST_MAX - 64)	/* HOW_PAD's spaces */

/* how: */
#define HOW_FDS_SECOND	0x01	/* the descriptors go with the second part, */
#define HOW_FDS_BOTH	0x02	/* or with both (the second a duplicate set) */
#define HOW_GO_AWAY	0x04	/* send everything, then close without reading the reply */
#define HOW_HANG_UP	0x08	/* close after the first part */
#define HOW_OFFSET	0x30	/* the regular files' offset: 0, the middle, the end, past it */
#define HOW_PAD		0x40	/* FZ_PAD spaces before the request, near the size limit */

/* What a passed descriptor is. */
enum kind {
	K_FILE,		/* a regular file holding the content, at the chosen offset */
	K_FILE_FIXCRC,	/* the same with its Ogg page checksums made right */
	K_MEMFD,	/* a memfd holding the content */
	K_EMPTY,	/* an empty regular file */
	K_DIR,		/* a directory */
	K_PIPE_R,	/* a pipe's read end, some content in it, its writer kept open */
	K_PIPE_W,	/* a pipe's write end */
	K_SOCKET,	/* a socket whose peer never writes */
	K_DEVNULL,	/* /dev/null */
	K_DEVZERO,	/* /dev/zero, endless */
	K_FIFO,		/* a FIFO with a writer that never writes */
	K_OPATH,	/* the content file opened O_PATH: fstat works, read does not */
	K_WRONLY,	/* the content file opened write-only */
	K_BIG,		/* a sparse regular file over the size limit */
	K_PROC,		/* /proc/version: regular, st_size 0, yet it has bytes */
	K_EVENTFD,	/* an eventfd */
	K_SELF,		/* the client's own end of the connection */
	K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	"file", "file-fixcrc", "memfd", "empty", "dir", "pipe-r", "pipe-w", "socket",
	"devnull", "devzero", "fifo", "opath", "wronly", "big", "proc", "eventfd", "self",
};

struct conn {
	int		 fd;		/* the client's end; -1 once closed */
	int		 pidx;		/* its pollfd in this iteration, or -1 */
	uint8_t		*req;		/* what it sends (padded when HOW_PAD) */
	size_t		 len, split, off, end;
	unsigned	 how;
	int		 nfds;
	uint8_t		 kinds[FZ_FDS];
	int		 pass[FZ_FDS];	/* the client's copies, closed once sent */
	int		 attached[2];	/* the descriptors went with part 0, part 1 */
	int		 reading;	/* all sent; reading the reply */
	int		 done;
	char		*reply;
	size_t		 rlen, rcap;
};

static struct {
	char		 dir[64];	/* everything of the fuzzer's */
	char		 content[96], fixcrc[96], empty[96], big[96], fifo[96];
	struct station	*st;
	struct ev_loop	*ev;
	const uint8_t	*data;		/* this input's file content */
	size_t		 size;
	uint8_t		*fixed;		/* the same with checksums fixed, or NULL */
	struct conn	 c[FZ_CONNS];
	int		 nconn;
	int		 keep[FZ_CONNS * FZ_FDS];	/* peers kept open until the input ends */
	int		 nkeep;
	int64_t		 give_up;	/* when this input has hung */
	int		 verbose;
	char		 ring[32][256];	/* the daemon's last log lines */
	unsigned	 nring;
} F;

/* --- the daemon's log, into a ring (log.c is not linked: these replace it) ------------ */

static void
fz_log(const char *fmt, va_list ap, const char *suffix)
{
	char *line = F.ring[F.nring++ % 32];
	int n = vsnprintf(line, sizeof(F.ring[0]), fmt, ap);

	if (suffix != NULL && n >= 0 && (size_t)n < sizeof(F.ring[0]))
		snprintf(line + n, sizeof(F.ring[0]) - (size_t)n, ": %s", suffix);
	if (F.verbose)
		fprintf(stderr, "loaxad: %s\n", line);
}

#define FZ_LOGFN(name, suffix)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
	int saved = errno;					\
								\
	va_start(ap, fmt);					\
	fz_log(fmt, ap, suffix);				\
	va_end(ap);						\
	errno = saved;						\
}
FZ_LOGFN(log_warn, strerror(saved))
FZ_LOGFN(log_warnx, NULL)
FZ_LOGFN(log_info, NULL)
FZ_LOGFN(log_debug, NULL)

void
log_init(const char *ident, int foreground, int verbose)
{
	(void)ident, (void)foreground, (void)verbose;
}

void
log_set_verbose(int verbose)
{
	(void)verbose;
}

void
fatal(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

void
fatalx(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

static int
fz_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A check failed: say what, with the daemon's last words, and crash for libFuzzer. */
static void
fz_fail(const char *fmt, ...)
{
	va_list ap;
	unsigned i;

	fprintf(stderr, "fuzz_ctl_fds: the daemon's last log lines:\n");
	for (i = F.nring > 32 ? F.nring - 32 : 0; i < F.nring; i++)
		fprintf(stderr, "  %s\n", F.ring[i % 32]);
	fprintf(stderr, "fuzz_ctl_fds: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (F.dir[0] != '\0')
		nftw(F.dir, fz_rm, 16, FTW_DEPTH | FTW_PHYS);
	abort();
}

/* --- descriptors ----------------------------------------------------------------------- */

static int
fz_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		fz_fail("cannot read /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* opendir's own */
}

/* Every open descriptor and what it is, for a report. */
static void
fz_fd_list(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char p[300], target[PATH_MAX];
	ssize_t n;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/self/fd/%s", de->d_name);
		n = readlink(p, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		fprintf(stderr, "  fd %s -> %s\n", de->d_name, target);
	}
	closedir(d);
}

static void
fz_close(int *fd)
{
	if (*fd >= 0 && close(*fd) == -1)
		fz_fail("close(%d): %s (closed twice?)", *fd, strerror(errno));
	*fd = -1;
}

/* --- the content files ------------------------------------------------------------------- */

/* Recomputes the checksum of every whole Ogg page in buf, as fuzz_opus_reader.c does. */
static void
fz_fix_checksums(unsigned char *buf, size_t len)
{
	size_t i = 0, hlen, blen, k;
	ogg_page og;

	while (i + 27 <= len) {
		if (memcmp(buf + i, "OggS", 4) != 0) {
			i++;
			continue;
		}
		hlen = 27 + (size_t)buf[i + 26];
		if (i + hlen > len)
			break;
		for (blen = 0, k = 27; k < hlen; k++)
			blen += buf[i + k];
		if (i + hlen + blen > len)
			break;
		og.header = buf + i;
		og.header_len = (long)hlen;
		og.body = buf + i + hlen;
		og.body_len = (long)blen;
		ogg_page_checksum_set(&og);
		i += hlen + blen;
	}
}

static void
fz_write_all(int fd, const uint8_t *p, size_t n, const char *what)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0)
			fz_fail("cannot write %s: %s", what, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

static void
fz_make_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd == -1)
		fz_fail("cannot create %s: %s", path, strerror(errno));
	fz_write_all(fd, p, n, path);
	close(fd);
}

/* Where HOW_OFFSET puts a regular file's offset. */
static off_t
fz_offset(unsigned how)
{
	switch ((how & HOW_OFFSET) >> 4) {
	case 1:
		return (off_t)(F.size / 2);
	case 2:
		return (off_t)F.size;
	case 3:
		return (off_t)F.size + 1000;
	default:
		return 0;
	}
}

/* What a queue from a descriptor of kind k must have stored: the bytes from its offset on. */
static int
fz_expected(enum kind k, unsigned how, const uint8_t **p, size_t *n)
{
	size_t off = (size_t)fz_offset(how);

	if (k != K_FILE && k != K_FILE_FIXCRC && k != K_MEMFD)
		return -1;
	*p = (k == K_FILE_FIXCRC ? F.fixed : F.data) + (off < F.size ? off : F.size);
	*n = off < F.size ? F.size - off : 0;
	return 0;
}

/* --- opening each kind ------------------------------------------------------------------- */

static int
fz_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd == -1)
		fz_fail("cannot open %s: %s", path, strerror(errno));
	return fd;
}

static void
fz_keep(int fd)
{
	F.keep[F.nkeep++] = fd;
}

/* A pipe or socket end to pass; the other end stays open and silent until the input ends. */
static int
fz_open_pair(enum kind k)
{
	int p[2];

	if (k == K_SOCKET ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) :
	    pipe2(p, O_CLOEXEC))
		fz_fail("cannot make a %s: %s", kind_names[k], strerror(errno));
	if (k == K_PIPE_R) {
		/* Some bytes to read, then a wait that never ends. */
		fcntl(p[1], F_SETFL, O_NONBLOCK);
		if (F.size > 0 && write(p[1], F.data, F.size < 4096 ? F.size : 4096) < 0)
			fz_fail("cannot write to a pipe: %s", strerror(errno));
		fz_keep(p[1]);
		return p[0];
	}
	fz_keep(p[k == K_PIPE_W ? 0 : 1]);
	return p[k == K_PIPE_W ? 1 : 0];
}

static int
fz_open_fifo(void)
{
	int r = fz_open(F.fifo, O_RDONLY | O_NONBLOCK);

	fz_keep(fz_open(F.fifo, O_WRONLY | O_NONBLOCK));
	fcntl(r, F_SETFL, 0);	/* a read would now block, for good */
	return r;
}

static int
fz_open_content(enum kind k, unsigned how)
{
	const char *path = k == K_FILE_FIXCRC ? F.fixcrc : F.content;
	int fd;

	if (k == K_MEMFD) {
		if ((fd = memfd_create("fuzz_ctl_fds", MFD_CLOEXEC)) == -1)
			fz_fail("memfd_create: %s", strerror(errno));
		fz_write_all(fd, F.data, F.size, "a memfd");
	} else {
		fd = fz_open(path, O_RDONLY);
	}
	if (lseek(fd, fz_offset(how), SEEK_SET) == (off_t)-1)
		fz_fail("lseek: %s", strerror(errno));
	return fd;
}

static int
fz_open_kind(enum kind k, struct conn *c)
{
	int fd;

	switch (k) {
	case K_FILE:
	case K_FILE_FIXCRC:
	case K_MEMFD:
		return fz_open_content(k, c->how);
	case K_EMPTY:
		return fz_open(F.empty, O_RDONLY);
	case K_DIR:
		return fz_open(F.dir, O_RDONLY | O_DIRECTORY);
	case K_PIPE_R:
	case K_PIPE_W:
	case K_SOCKET:
		return fz_open_pair(k);
	case K_DEVNULL:
		return fz_open("/dev/null", O_RDONLY);
	case K_DEVZERO:
		return fz_open("/dev/zero", O_RDONLY);
	case K_FIFO:
		return fz_open_fifo();
	case K_OPATH:
		return fz_open(F.content, O_PATH);
	case K_WRONLY:
		return fz_open(F.content, O_WRONLY);
	case K_BIG:
		return fz_open(F.big, O_RDONLY);
	case K_PROC:
		return fz_open("/proc/version", O_RDONLY);
	case K_EVENTFD:
		if ((fd = eventfd(0, EFD_CLOEXEC)) == -1)
			fz_fail("eventfd: %s", strerror(errno));
		return fd;
	default:
		if ((fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0)) == -1)
			fz_fail("dup: %s", strerror(errno));
		return fd;
	}
}

/* --- the input ---------------------------------------------------------------------------- */

struct in {
	const uint8_t	*p;
	size_t		 n;
};

static unsigned
in_u8(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static size_t
in_u16(struct in *in)
{
	size_t lo = in_u8(in);

	return lo | (size_t)in_u8(in) << 8;
}

/* Reads one connection's part of the input and connects it. */
static void
conn_setup(struct conn *c, struct in *in)
{
	size_t len, pad;
	int i;

	memset(c, 0, sizeof(*c));
	c->pidx = -1;
	c->nfds = (int)(in_u8(in) % FZ_FDS);
	for (i = 0; i < c->nfds; i++)
		c->kinds[i] = (uint8_t)(in_u8(in) % K_COUNT);
	c->how = in_u8(in);
	c->split = in_u16(in);
	len = in_u16(in);
	if (len > in->n)
		len = in->n;
	pad = c->how & HOW_PAD ? FZ_PAD : 0;
	if ((c->req = malloc(pad + len + 1)) == NULL)
		abort();
	memset(c->req, ' ', pad);
	memcpy(c->req + pad, in->p, len);
	in->p += len;
	in->n -= len;
	c->len = pad + len;
	/* 0: one part, the whole request. */
	c->split = c->split > 0 && c->split + pad < c->len ? c->split + pad : c->len;
	c->end = c->how & HOW_HANG_UP ? c->split : c->len;
	for (i = 0; i < FZ_FDS; i++)
		c->pass[i] = -1;
}

static void
conn_connect(struct conn *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int i;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/control.sock", F.dir);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1 || connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fz_fail("cannot connect to %s: %s", sun.sun_path, strerror(errno));
	for (i = 0; i < c->nfds; i++)
		c->pass[i] = fz_open_kind((enum kind)c->kinds[i], c);
}

/* --- the client ------------------------------------------------------------------------- */

static ssize_t
conn_sendmsg(struct conn *c, size_t n, int with_fds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(FZ_FDS * sizeof(int))];
	} cbuf;
	struct iovec iov = { c->req + c->off, n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (with_fds) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE((size_t)c->nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)c->nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), c->pass, (size_t)c->nfds * sizeof(int));
	}
	return sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
conn_close_passes(struct conn *c)
{
	int i;

	for (i = 0; i < c->nfds; i++)
		fz_close(&c->pass[i]);
}

/* Everything is sent (or the server went away): read the reply, or go. */
static void
conn_sent(struct conn *c)
{
	conn_close_passes(c);
	if (c->how & (HOW_GO_AWAY | HOW_HANG_UP)) {
		/* shutdown, not only close: a passed K_SELF holds the socket open. */
		shutdown(c->fd, SHUT_RDWR);
		fz_close(&c->fd);
		c->done = 1;
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->reading = 1;
}

static void
conn_send(struct conn *c)
{
	size_t stop;
	ssize_t n;
	int part, with;

	while (c->off < c->end) {
		part = c->off < c->split ? 0 : 1;
		stop = part == 0 ? c->split : c->end;
		with = c->nfds > 0 && !c->attached[part] &&
		    ((c->how & HOW_FDS_BOTH) || part == ((c->how & HOW_FDS_SECOND) ? 1 : 0));
		n = conn_sendmsg(c, stop - c->off, with);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1)
			break;	/* EPIPE: it answered and hung up before reading all */
		c->attached[part] |= with;
		c->off += (size_t)n;
	}
	conn_sent(c);
}

static void
conn_read(struct conn *c)
{
	ssize_t n;
	char *p;

	for (;;) {
		if (c->rlen == c->rcap) {
			if (c->rcap >= FZ_REPLY_MAX)
				fz_fail("a reply longer than %d bytes", FZ_REPLY_MAX);
			c->rcap = c->rcap == 0 ? 4096 : c->rcap * 2;
			if ((p = realloc(c->reply, c->rcap)) == NULL)
				abort();
			c->reply = p;
		}
		n = recv(c->fd, c->reply + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
		if (n > 0) {
			c->rlen += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1 && errno != ECONNRESET)
			fz_fail("reading a reply: %s", strerror(errno));
		fz_close(&c->fd);
		c->done = 1;
		return;
	}
}

static int
client_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	int i, n = 0, busy = 0;

	(void)arg;
	for (i = 0; i < F.nconn; i++) {
		struct conn *c = &F.c[i];

		c->pidx = -1;
		if (c->done)
			continue;
		busy = 1;
		if (n == max)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = c->reading ? POLLIN : POLLOUT;
		c->pidx = n++;
	}
	/* Wake up to give up on a hang; once every client is done, to see if the server is. */
	if (F.give_up < *deadline_ms)
		*deadline_ms = F.give_up;
	if (!busy && clock_mono_ms() + 20 < *deadline_ms)
		*deadline_ms = clock_mono_ms() + 20;
	return n;
}

static void
client_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	int i;

	(void)arg, (void)now;
	for (i = 0; i < F.nconn; i++) {
		struct conn *c = &F.c[i];

		if (c->done || c->pidx < 0 || c->pidx >= n || pfd[c->pidx].revents == 0)
			continue;
		if (c->reading)
			conn_read(c);
		else
			conn_send(c);
	}
}

/* --- the station ------------------------------------------------------------------------ */

/* The handler the server is given: the station's, with its contract checked. */
static int
fz_handle(void *arg, struct ctl_request *rq, json_t *reply)
{
	static const char *const stand_in[] = { "status", "stop", "cancel", "mute", "unmute" };
	const json_t *e, *cmd = json_object_get(rq->req, "cmd");
	int fd = rq->fd, flags, rc;
	size_t i;

	if (!json_is_string(cmd) || rq->cmd == NULL || strcmp(rq->cmd, json_string_value(cmd)) != 0)
		fz_fail("ctl: the handler got \"cmd\" %s, not the request's", rq->cmd);
	if (fd != -1 && ((flags = fcntl(fd, F_GETFD)) == -1 || !(flags & FD_CLOEXEC)))
		fz_fail("ctl: the descriptor handed to the handler (%d) is %s", fd,
		    flags == -1 ? "not open" : "not close-on-exec");
	for (i = 0; i < sizeof(stand_in) / sizeof(stand_in[0]); i++) {
		if (strcmp(rq->cmd, stand_in[i]) == 0) {
			json_object_set_new(reply, "stand_in", json_true());
			return 0;
		}
	}
	rc = station_ctl_handle(arg, rq, reply);
	e = json_object_get(reply, "error");
	if (rc < 0 && (!json_is_string(e) || json_string_length(e) == 0))
		fz_fail("station: \"%s\" was refused (%d) with no sentence in \"error\"", rq->cmd, rc);
	if (rc == CTL_LATER && strcmp(rq->cmd, "queue") == 0 && rq->fd != -1)
		fz_fail("station: a queue answered later left the descriptor to ctl");
	if (rc != CTL_LATER && rq->fd != fd)
		fz_fail("station: \"%s\" took the descriptor but answered at once (%d)", rq->cmd, rc);
	return rc;
}

/* A write on each database connection, so that neither opens a file for the first time later. */
static int
fz_warm(struct store *db, void *arg)
{
	(void)arg;
	return store_kv_set(db, "fuzz", "warm");
}

static void
fz_warmed(void *arg, int rc)
{
	*(int *)arg = rc == 0 ? 1 : -1;
}

static void
fz_open_station(void)
{
	struct station *st = calloc(1, sizeof(*st));
	struct ev_source src, client = { .name = "fuzz-client", .prepare = client_prepare,
	    .dispatch = client_dispatch };
	struct errlist errs;
	char err[256];
	int warm = 0;

	errlist_init(&errs);
	if (st == NULL || (F.ev = ev_new()) == NULL)
		abort();
	conf_defaults(&st->cfg);
	snprintf(st->cfg.storage.dir, sizeof(st->cfg.storage.dir), "%s/state", F.dir);
	snprintf(st->cfg.control.socket, sizeof(st->cfg.control.socket), "%s/control.sock", F.dir);
	st->tfd = -1;
	st->clock_ok = 1;
	st->started = time(NULL);
	if ((st->store = store_open(st->cfg.storage.dir, &errs)) == NULL ||
	    (st->writer = store_writer_new(st->store, &errs)) == NULL)
		fz_fail("cannot open the store in %s: %s", st->cfg.storage.dir,
		    errs.n > 0 ? errs.msg[0] : "?");
	errlist_clear(&errs);
	if ((st->ctl = ctl_open(st->cfg.control.socket, fz_handle, st, err, sizeof(err))) == NULL)
		fz_fail("%s", err);
	store_writer_source(st->writer, &src);
	ev_add(F.ev, &src);
	ctl_source(st->ctl, &src);
	ev_add(F.ev, &src);
	ev_add(F.ev, &client);
	if (store_kv_set(st->store, "fuzz", "warm") < 0 ||
	    store_writer_call(st->writer, fz_warm, NULL, 0, fz_warmed, &warm) < 0)
		fz_fail("cannot write to the store");
	while (warm == 0)
		ev_run_once(F.ev);
	if (warm < 0)
		fz_fail("cannot write to the store on its writer");
	F.st = st;
}

static void
fz_exit(void)
{
	struct station *st = F.st;

	if (st != NULL) {
		ev_free(F.ev);
		ctl_close(st->ctl);
		store_writer_free(st->writer);
		store_queue_free(st->queue, st->nqueue);
		store_close(st->store);
		free(st);
	}
	if (F.dir[0] != '\0')
		nftw(F.dir, fz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("LOAXA_FUZZ_TMP");
	int fd, n;

	(void)argc, (void)argv;
	F.verbose = getenv("LOAXA_FUZZ_LOG") != NULL;
	if (base == NULL)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	n = snprintf(F.dir, sizeof(F.dir), "%s/loaxa-fuzz-fds-XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(F.dir) || mkdtemp(F.dir) == NULL) {
		F.dir[0] = '\0';	/* not ours: fz_fail must not remove it */
		fz_fail("cannot make a directory in %s: %s", base, n < 0 ||
		    (size_t)n >= sizeof(F.dir) ? "the path is too long" : strerror(errno));
	}
	atexit(fz_exit);
	snprintf(F.content, sizeof(F.content), "%s/content", F.dir);
	snprintf(F.fixcrc, sizeof(F.fixcrc), "%s/content-fixcrc", F.dir);
	snprintf(F.empty, sizeof(F.empty), "%s/empty", F.dir);
	snprintf(F.big, sizeof(F.big), "%s/big", F.dir);
	snprintf(F.fifo, sizeof(F.fifo), "%s/fifo", F.dir);
	fz_make_file(F.empty, NULL, 0);
	if ((fd = open(F.big, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    ftruncate(fd, (off_t)FZ_BIG_BYTES) == -1 || close(fd) == -1)
		fz_fail("cannot make the sparse file %s: %s", F.big, strerror(errno));
	if (mkfifo(F.fifo, 0600) == -1)
		fz_fail("cannot make the FIFO %s: %s", F.fifo, strerror(errno));
	if (sodium_init() < 0)
		abort();
	fz_open_station();
	return 0;
}

/* --- after an input --------------------------------------------------------------------- */

/* A queue that succeeded must have stored exactly the bytes its descriptor held from its offset. */
static void
fz_check_queued(const struct conn *c, const json_t *reply)
{
	const struct station *st = F.st;
	json_int_t id = json_integer_value(json_object_get(reply, "id"));
	unsigned char bin[crypto_hash_sha256_BYTES];
	char hex[65];
	const uint8_t *p;
	size_t i, n;

	if (c->nfds == 0 || fz_expected((enum kind)c->kinds[0], c->how, &p, &n) < 0)
		fz_fail("station: queued from %s", c->nfds == 0 ? "no descriptor" :
		    kind_names[c->kinds[0]]);
	for (i = 0; i < st->nqueue && st->queue[i].id != id; i++)
		;
	if (i == st->nqueue)
		fz_fail("station: answered that it queued item %lld, which is not in the queue",
		    (long long)id);
	crypto_hash_sha256(bin, p, n);
	sodium_bin2hex(hex, sizeof(hex), bin, sizeof(bin));
	if (strcmp(hex, st->queue[i].sha256) != 0)
		fz_fail("station: queued %s (%s at offset %lld) as %s, not %s",
		    st->queue[i].name, kind_names[c->kinds[0]], (long long)fz_offset(c->how),
		    st->queue[i].sha256, hex);
}

/* A whole line gets one reply line, a JSON object with "ok"; a refusal says why. */
static void
fz_check_reply(const struct conn *c)
{
	json_t *req = NULL, *reply;
	json_error_t jerr;
	char err[512];
	const json_t *ok, *e;
	int rc = ctl_request_parse((const char *)c->req, c->len, &req, err, sizeof(err));

	if (F.verbose)
		fprintf(stderr, "fuzz_ctl_fds: reply: %.*s", (int)c->rlen, c->reply);
	if (rc == -EAGAIN) {
		if (c->rlen != 0)
			fz_fail("ctl: answered a request with no end of line");
		return;
	}
	if (c->rlen == 0 || c->reply[c->rlen - 1] != '\n' ||
	    memchr(c->reply, '\n', c->rlen) != c->reply + c->rlen - 1)
		fz_fail("ctl: the reply is not one line: \"%.*s\"", (int)c->rlen, c->reply);
	if ((reply = json_loadb(c->reply, c->rlen - 1, 0, &jerr)) == NULL)
		fz_fail("ctl: the reply is not JSON (%s): %.*s", jerr.text, (int)c->rlen, c->reply);
	ok = json_object_get(reply, "ok");
	e = json_object_get(reply, "error");
	if (!json_is_boolean(ok) || (json_is_false(ok) && (!json_is_string(e) ||
	    json_string_length(e) == 0)) || (json_is_true(ok) && rc != 0))
		fz_fail("ctl: a bad reply: %.*s", (int)c->rlen, c->reply);
	if (json_is_true(ok) && strcmp(json_string_value(json_object_get(req, "cmd")), "queue") == 0)
		fz_check_queued(c, reply);
	json_decref(reply);
	json_decref(req);
}

/* No temporary copy is left behind; the queue and stored files go, for the next input. */
static void
fz_reset_store(void)
{
	struct station *st = F.st;
	const char *bdir = store_bulletin_dir(st->store);
	struct dirent *de;
	size_t i;
	DIR *d;

	for (i = 0; i < st->nqueue; i++)
		if (store_queue_remove(st->store, st->queue[i].id) < 0)
			fz_fail("cannot empty the queue");
	if (station_queue_refresh(st) < 0 || st->nqueue != 0)
		fz_fail("cannot read the queue again");
	if ((d = opendir(bdir)) == NULL)
		fz_fail("cannot read %s: %s", bdir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.')
			fz_fail("store: %s/%s was left behind", bdir, de->d_name);
		unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* Runs the loop until every client and the server are done: no descriptor but ours left. */
static void
fz_run(int base)
{
	int i, busy = 1, n = 0;

	F.give_up = clock_mono_ms() + FZ_HANG_MS;

	while (busy || (n = fz_fd_count()) != base + F.nkeep) {
		if (!busy && n < base + F.nkeep)
			fz_fail("a descriptor of the client's was closed by someone else");
		if (clock_mono_ms() >= F.give_up) {
			fprintf(stderr, "fuzz_ctl_fds: %d descriptors open, %d before the input "
			    "and %d kept by the client:\n", fz_fd_count(), base, F.nkeep);
			fz_fd_list();
			fz_fail("%s after %d s", busy ? "the requests are not all answered (a hang?)" :
			    "descriptors are left open", FZ_HANG_MS / 1000);
		}
		ev_run_once(F.ev);
		for (busy = 0, i = 0; i < F.nconn; i++)
			busy |= !F.c[i].done;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	int base = fz_fd_count(), i;

	F.nconn = 1 + (int)(in_u8(&in) % FZ_CONNS);
	F.nkeep = 0;
	for (i = 0; i < F.nconn; i++)
		conn_setup(&F.c[i], &in);
	F.data = in.p;
	F.size = in.n;
	if ((F.fixed = malloc(F.size + 1)) == NULL)
		abort();
	memcpy(F.fixed, F.data, F.size);
	fz_fix_checksums(F.fixed, F.size);
	fz_make_file(F.content, F.data, F.size);
	fz_make_file(F.fixcrc, F.fixed, F.size);
	for (i = 0; i < F.nconn; i++)
		conn_connect(&F.c[i]);
	/* The operator's file may be gone from its directory by now; the descriptor is not. */
	unlink(F.content);
	unlink(F.fixcrc);
	fz_run(base);
	for (i = 0; i < F.nconn; i++) {
		if (F.c[i].reading)
			fz_check_reply(&F.c[i]);
		free(F.c[i].req);
		free(F.c[i].reply);
	}
	for (i = 0; i < F.nkeep; i++)
		fz_close(&F.keep[i]);
	fz_reset_store();
	free(F.fixed);
	if (fz_fd_count() != base)
		fz_fail("%d descriptors open after the input, %d before", fz_fd_count(), base);
	return 0;
}
