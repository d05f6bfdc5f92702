/*
 * systemd's readiness and watchdog notifications (Type=notify, WatchdogSec=).
 * The protocol is one datagram to $NOTIFY_SOCKET; speaking it here instead of
 * linking libsystemd keeps about 1 MiB of libraries out of the daemon's
 * memory (measured in tests/bench/RESULTS.md).
 */
#ifndef LOAXA_NOTIFY_H
#define LOAXA_NOTIFY_H

#include <stdint.h>

/* Sends state (e.g. "READY=1") when started by systemd; 0, or a negative errno. */
int	notify_send(const char *state);
/* The watchdog interval systemd asked for, in milliseconds, or 0 when none is for us. */
int64_t	notify_watchdog_ms(void);

#endif
