/*
 * libFuzzer over the control socket's request framing and parsing
 * (ctl_request_parse), the first thing that touches bytes from another
 * process. Besides the sanitizers, it checks the framing's promises: the
 * result is one of the documented codes, bytes after the first '\n' never
 * matter, a shorter prefix of the line is "need more", and a request that
 * parses has a non-empty "cmd" string and survives a round trip.
 *
 * Build and run from the repository root:
 *   mkdir -p build/fuzz && clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -D_GNU_SOURCE -I. $(pkg-config --cflags jansson) -o build/fuzz/fuzz_ctl_request \
 *     tests/fuzz/fuzz_ctl_request.c daemon/ctl/ctl.c daemon/core/ev.c daemon/core/log.c \
 *     $(pkg-config --libs jansson)
 *   build/fuzz/fuzz_ctl_request -max_total_time=60 -max_len=4096
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/ctl/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The framing must not depend on what follows the line, nor see a line too early. */
static void
check_framing(const char *buf, size_t size, int rc)
{
	const char *nl = memchr(buf, '\n', size < CTL_REQUEST_MAX ? size : CTL_REQUEST_MAX);
	size_t line;
	json_t *req = NULL;
	char err[512];

	if (nl == NULL) {
		if (rc != (size < CTL_REQUEST_MAX ? -EAGAIN : -EMSGSIZE))
			abort();
		return;
	}
	line = (size_t)(nl - buf) + 1;
	if (ctl_request_parse(buf, line, &req, err, sizeof(err)) != rc)
		abort();
	json_decref(req);
	req = NULL;
	if (ctl_request_parse(buf, line - 1, &req, err, sizeof(err)) != -EAGAIN || req != NULL)
		abort();
}

/* A request that parsed has a command and comes back the same after a round trip. */
static void
check_request(json_t *req)
{
	const json_t *cmd = json_object_get(req, "cmd");
	json_t *again = NULL;
	char *s, err[512];
	size_t len;

	if (!json_is_object(req) || !json_is_string(cmd) || json_string_length(cmd) == 0)
		abort();
	if ((s = json_dumps(req, JSON_COMPACT)) == NULL)
		abort();
	len = strlen(s);
	s[len] = '\n';	/* json_dumps() left the NUL's byte */
	if (len + 1 <= CTL_REQUEST_MAX) {
		if (ctl_request_parse(s, len + 1, &again, err, sizeof(err)) != 0 ||
		    !json_equal(req, again))
			abort();
	}
	json_decref(again);
	free(s);
}

/* Inputs that start with a tab are also tried behind padding, up against the size limit. */
static void
check_padded(const uint8_t *data, size_t size)
{
	size_t pad = CTL_REQUEST_MAX - (size < 64 ? size : 64);
	char *buf = malloc(pad + size), err[512];
	json_t *req = NULL;
	int rc;

	if (buf == NULL)
		return;
	memset(buf, ' ', pad);
	memcpy(buf + pad, data, size);
	rc = ctl_request_parse(buf, pad + size, &req, err, sizeof(err));
	if (rc != 0 && rc != -EAGAIN && rc != -EMSGSIZE && rc != -EINVAL)
		abort();
	check_framing(buf, pad + size, rc);
	json_decref(req);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *req = NULL;
	char err[512] = "";
	int rc;

	rc = ctl_request_parse((const char *)data, size, &req, err, sizeof(err));
	if (rc != 0 && rc != -EAGAIN && rc != -EMSGSIZE && rc != -EINVAL)
		abort();
	if ((rc == 0) != (req != NULL))
		abort();
	if (rc < 0 && rc != -EAGAIN && (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL))
		abort();	/* every refusal has a sentence */
	check_framing((const char *)data, size, rc);
	if (rc == 0)
		check_request(req);
	json_decref(req);
	if (size > 0 && data[0] == '\t')
		check_padded(data, size);
	return 0;
}
