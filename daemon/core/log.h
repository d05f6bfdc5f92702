/* Logging for loaxad and its tools: stderr in the foreground, syslog otherwise. */
#ifndef LOAXA_LOG_H
#define LOAXA_LOG_H

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

void	log_init(const char *ident, int foreground, int verbose);
void	log_set_verbose(int verbose);
/* log_warn appends strerror(errno); log_warnx does not. */
void	log_warn(const char *fmt, ...) LOG_FMT(1, 2);
void	log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void	log_info(const char *fmt, ...) LOG_FMT(1, 2);
void	log_debug(const char *fmt, ...) LOG_FMT(1, 2);
/* Only main() may call these, and only at start-up. */
void	fatal(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void	fatalx(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));

#endif
