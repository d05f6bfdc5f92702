/*
 * sandbox_enter(): resource limits, no new privileges, and a seccomp filter
 * built with libseccomp (see sandbox.h). The list of allowed calls is what
 * glibc's allocator and FFmpeg's demuxers and decoders use once their input
 * is open; opening a file is answered EACCES rather than killed, because a
 * library may look for an optional file and must get a plain "no".
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <seccomp.h>

#include "daemon/core/sandbox.h"

static const int allowed_calls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(lseek), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday), SCMP_SYS(getrandom), SCMP_SYS(sched_yield),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(sigaltstack),
};

/*
 * What libcurl and OpenSSL use on a connection, besides the list above:
 * found with strace -f on loaxa-relay over HTTP and HTTPS, kept to that
 * (ppoll: glibc's poll() on arm64, which has no poll call).
 */
static const int network_calls[] = {
	SCMP_SYS(connect), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(sendto),
	SCMP_SYS(recvfrom), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(fcntl),
};

static int
sandbox_allow_list(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	return rc;
}

/* Sockets of the Internet only: not a UNIX socket (another process's door), nor a raw one. */
static int
sandbox_allow_network(scmp_filter_ctx ctx)
{
	int rc;

	rc = sandbox_allow_list(ctx, network_calls, sizeof(network_calls) / sizeof(network_calls[0]));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
		    SCMP_A0(SCMP_CMP_EQ, AF_INET), SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff, SOCK_STREAM));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
		    SCMP_A0(SCMP_CMP_EQ, AF_INET6), SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff, SOCK_STREAM));
	return rc;
}

/* Memory may be mapped and protected, but never made executable. */
static int
sandbox_allow_memory(scmp_filter_ctx ctx)
{
	int rc;

	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0)
		return rc;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
}

static int
sandbox_filter(int network)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return -ENOMEM;
	rc = sandbox_allow_list(ctx, allowed_calls, sizeof(allowed_calls) / sizeof(allowed_calls[0]));
	if (rc == 0)
		rc = sandbox_allow_memory(ctx);
	if (rc == 0 && network)
		rc = sandbox_allow_network(ctx);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

static int
sandbox_limit(int resource, rlim_t value)
{
	struct rlimit rl = { value, value };

	return setrlimit(resource, &rl) == 0 ? 0 : -errno;
}

/* Run as root (by an administrator, or in a container), give it up for nobody's ids. */
static int
sandbox_drop_root(void)
{
	const gid_t nogroup = 65534;
	const uid_t nobody = 65534;

	if (geteuid() != 0)
		return 0;
	if (setgroups(1, &nogroup) == -1 || setresgid(nogroup, nogroup, nogroup) == -1 ||
	    setresuid(nobody, nobody, nobody) == -1)
		return -errno;
	return 0;
}

int
sandbox_enter(const struct sandbox_limits *lim)
{
	int rc;

	if ((rc = sandbox_drop_root()) < 0)
		return rc;
	if (lim->max_fd >= 0)
		close_range((unsigned)lim->max_fd + 1, ~0U, 0);
	if ((rc = sandbox_limit(RLIMIT_CORE, 0)) < 0 || (rc = sandbox_limit(RLIMIT_FSIZE, 0)) < 0 ||
	    (rc = sandbox_limit(RLIMIT_NPROC, 0)) < 0)
		return rc;
	if (lim->memory > 0 && (rc = sandbox_limit(RLIMIT_AS, lim->memory)) < 0)
		return rc;
	/* The soft limit sends SIGXCPU, which kills: the hard one is a second later. */
	if (lim->cpu_seconds > 0) {
		struct rlimit rl = { lim->cpu_seconds, lim->cpu_seconds + 1 };

		if (setrlimit(RLIMIT_CPU, &rl) == -1)
			return -errno;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -errno;
	return sandbox_filter(lim->network);
}
