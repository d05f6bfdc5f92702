/*
 * Runs one command for `make bench` and measures it the way the kernel
 * accounts it: CPU time (user + system) of the command and every descendant
 * it waited for (a shell pipeline included), its peak resident set (the
 * largest process's VmHWM, from ru_maxrss) and the wall time. A command that
 * outlives the time limit is killed and reported as such.
 * Usage: cpurun LIMIT_SECONDS COMMAND [ARG...]
 * The command's standard output is discarded. Prints one line: "cpu_s maxrss_kib wall_s status" (status: the exit
 * status, or "timeout", or "signal N").
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarmed;

static void
on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct rusage ru;
	double limit, t0, wall;
	int st = 0, timed_out = 0;
	pid_t pid;
	int fd;

	if (argc < 3 || (limit = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: cpurun LIMIT_SECONDS COMMAND [ARG...]\n");
		return 2;
	}
	t0 = now_s();
	if ((pid = fork()) == -1) {
		perror("cpurun: fork");
		return 1;
	}
	if (pid == 0) {
		/* Its own process group, so that a timeout ends the whole pipeline. */
		setpgid(0, 0);
		/* What a player prints is not wanted: the floor prints its frame count. */
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 1);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	setpgid(pid, pid);
	/* SIGALRM interrupts the wait at the deadline. */
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)(limit + 0.999));
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR)
			break;
		if (alarmed && !timed_out) {
			kill(-pid, SIGKILL);
			timed_out = 1;
		}
	}
	wall = now_s() - t0;
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%.3f %ld %.3f ", tv_s(ru.ru_utime) + tv_s(ru.ru_stime), ru.ru_maxrss, wall);
	if (timed_out)
		printf("timeout\n");
	else if (WIFSIGNALED(st))
		printf("signal %d\n", WTERMSIG(st));
	else
		printf("%d\n", WEXITSTATUS(st));
	return 0;
}
