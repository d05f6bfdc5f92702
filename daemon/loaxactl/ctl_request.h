/*
 * One request from loaxactl to the station daemon over the control socket,
 * with the daemon's refusal (its sentence, then every detail) printed for
 * the operator. Used by every command that talks to a station.
 */
#ifndef LOAXA_CTL_REQUEST_H
#define LOAXA_CTL_REQUEST_H

#include <jansson.h>

/*
 * Sends req (consumed; NULL counts as out of memory), with fd passed along
 * when it is not -1, and waits at most timeout_ms. Returns 0 with *reply (the
 * caller frees it) when the daemon did it, else the exit status with the
 * reason printed and *reply NULL.
 */
int	ctl_request_send(const char *sock, json_t *req, int fd, int timeout_ms, json_t **reply);

#endif
