/* One request to the station daemon, its refusal printed (see ctl_request.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "daemon/ctl/ctl_client.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/ctl_request.h"

/* Prints the daemon's refusal: its sentence, then every detail. */
static int
ctl_request_refusal(const json_t *reply)
{
	const char *e = ctl_out_jstr(reply, "error");
	const json_t *details = json_object_get(reply, "details"), *d;
	size_t i;

	fprintf(stderr, "%s: %s\n", CTL_OUT_PROG, e != NULL ? e : _("the station daemon "
	    "refused the command without saying why; see its log (journalctl -u loaxad)"));
	json_array_foreach(details, i, d)
		if (json_is_string(d)) {
			char *s = strdup(json_string_value(d));

			if (s != NULL)
				conf_text_defang(s);
			fprintf(stderr, "%s:   %s\n", CTL_OUT_PROG, s != NULL ? s : "");
			free(s);
		}
	return EXIT_REFUSED;
}

int
ctl_request_send(const char *sock, json_t *req, int fd, int timeout_ms, json_t **reply)
{
	char err[1024];
	int rc;

	*reply = NULL;
	if (req == NULL) {
		fprintf(stderr, _("%s: out of memory\n"), CTL_OUT_PROG);
		return EXIT_REFUSED;
	}
	rc = ctl_client_call(sock, req, fd, timeout_ms, reply, err, sizeof(err));
	json_decref(req);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", CTL_OUT_PROG, err);
		return EXIT_REFUSED;
	}
	if (!json_is_true(json_object_get(*reply, "ok"))) {
		rc = ctl_request_refusal(*reply);
		json_decref(*reply);
		*reply = NULL;
		return rc;
	}
	return 0;
}
