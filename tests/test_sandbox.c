/*
 * The helpers' cage (daemon/core/sandbox.c), entered by a real child
 * process: what it may still do (read, write, allocate) works; opening a
 * file is refused; a socket, a new process or executable memory kills it
 * with SIGSYS; its memory bound holds. A cage with network (loaxa-relay's)
 * makes an IPv4 or IPv6 TCP socket, but still opens no file, and a UNIX
 * socket or a new process still kills it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/core/sandbox.h"
#include "tests/t.h"

/* Sanitizer runtimes reserve terabytes of address space: no memory bound under them. */
#if defined(__SANITIZE_ADDRESS__)
#define MEM_BOUND	0
#else
#define MEM_BOUND	(256UL << 20)
#endif

enum trial {
	TRY_WORK, TRY_OPEN, TRY_SOCKET, TRY_FORK, TRY_EXEC_MEM, TRY_BIG, TRY_FD,
	/* In a cage with network, from here on. */
	TRY_NET_INET, TRY_NET_OPEN, TRY_NET_UNIX, TRY_NET_FORK,
};

/* In the child, caged: exit status 0 when the trial went as it should, or dies. */
static void
child(enum trial t, int keep_fd)
{
	const struct sandbox_limits lim = { MEM_BOUND, 10, keep_fd, t >= TRY_NET_INET };
	char buf[8] = "", *p;
	int s4, s6;

	if (sandbox_enter(&lim) != 0)
		_exit(10);
	switch (t) {
	case TRY_WORK:
		p = malloc(8 << 20);	/* a large block: mmap */
		if (p == NULL)
			_exit(11);
		memset(p, 1, 8 << 20);
		free(p);
		_exit(write(keep_fd, "ok", 2) == 2 ? 0 : 12);
	case TRY_OPEN:
		_exit(open("/etc/passwd", O_RDONLY) == -1 && errno == EACCES ? 0 : 13);
	case TRY_SOCKET:
		socket(AF_INET, SOCK_STREAM, 0);
		_exit(14);
	case TRY_FORK:
		fork();
		_exit(15);
	case TRY_EXEC_MEM:
		mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(16);
	case TRY_BIG:
		_exit(MEM_BOUND == 0 || malloc(512UL << 20) == NULL ? 0 : 17);
	case TRY_FD:
		/* Descriptors above the kept one were closed on the way in. */
		_exit(read(keep_fd + 1, buf, 1) == -1 && errno == EBADF ? 0 : 18);
	case TRY_NET_INET:
		s4 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		s6 = socket(AF_INET6, SOCK_STREAM, 0);
		_exit(s4 >= 0 && (s6 >= 0 || errno == EAFNOSUPPORT) ? 0 : 21);
	case TRY_NET_OPEN:
		_exit(open("/etc/passwd", O_RDONLY) == -1 && errno == EACCES ? 0 : 22);
	case TRY_NET_UNIX:
		socket(AF_UNIX, SOCK_STREAM, 0);
		_exit(23);
	case TRY_NET_FORK:
		fork();
		_exit(24);
	}
	_exit(19);
}

/* Runs a trial; returns the wait status. */
static int
trial(enum trial t)
{
	int p[2], st = -1;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		close(p[0]);
		/* p[1] is kept; make sure a descriptor above it exists, to be closed. */
		if (dup2(p[1], p[1] + 1) < 0)
			_exit(20);
		child(t, p[1]);
	}
	close(p[1]);
	waitpid(pid, &st, 0);
	close(p[0]);
	return st;
}

static int
exited_ok(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int
killed_by_sigsys(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

static void
caged_process_reads_writes_and_allocates(void)
{
	int st = trial(TRY_WORK);

	T_ASSERT(exited_ok(st));
	if (!exited_ok(st))
		fprintf(stderr, "  status %d\n", st);
}

static void
opening_a_file_is_refused(void)
{
	T_ASSERT(exited_ok(trial(TRY_OPEN)));
}

static void
a_socket_kills_it(void)
{
	T_ASSERT(killed_by_sigsys(trial(TRY_SOCKET)));
}

static void
a_new_process_kills_it(void)
{
	T_ASSERT(killed_by_sigsys(trial(TRY_FORK)));
}

static void
executable_memory_kills_it(void)
{
	T_ASSERT(killed_by_sigsys(trial(TRY_EXEC_MEM)));
}

static void
memory_beyond_the_bound_is_refused(void)
{
	T_ASSERT(exited_ok(trial(TRY_BIG)));
}

static void
other_descriptors_are_closed(void)
{
	T_ASSERT(exited_ok(trial(TRY_FD)));
}

static void
network_cage_makes_internet_sockets(void)
{
	T_ASSERT(exited_ok(trial(TRY_NET_INET)));
}

static void
network_cage_still_opens_no_file(void)
{
	T_ASSERT(exited_ok(trial(TRY_NET_OPEN)));
}

static void
network_cage_is_killed_by_a_unix_socket(void)
{
	T_ASSERT(killed_by_sigsys(trial(TRY_NET_UNIX)));
}

static void
network_cage_is_killed_by_a_new_process(void)
{
	T_ASSERT(killed_by_sigsys(trial(TRY_NET_FORK)));
}

int
main(void)
{
	T_RUN(caged_process_reads_writes_and_allocates);
	T_RUN(opening_a_file_is_refused);
	T_RUN(a_socket_kills_it);
	T_RUN(a_new_process_kills_it);
	T_RUN(executable_memory_kills_it);
	T_RUN(memory_beyond_the_bound_is_refused);
	T_RUN(other_descriptors_are_closed);
	T_RUN(network_cage_makes_internet_sockets);
	T_RUN(network_cage_still_opens_no_file);
	T_RUN(network_cage_is_killed_by_a_unix_socket);
	T_RUN(network_cage_is_killed_by_a_new_process);
	return T_EXIT();
}
