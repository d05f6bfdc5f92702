/*
 * Commands that change what a station may do, each one request and one
 * sentence back: 'stop' and 'reload', 'mute [--for DURATION]' and 'unmute'.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "config/i18n.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/ctl_request.h"
#include "daemon/loaxactl/loaxactl_control.h"

#define TIMEOUT_MS	15000

/* stop and reload: no arguments, one sentence back. */
int
loaxactl_control_plain(const char *sock, int argc, char **argv)
{
	const json_t *slots;
	const char *title;
	json_t *reply;
	int rc;

	if (argc != 1)
		return ctl_out_usage(NULL, _("%s takes no arguments"), argv[0]);
	if ((rc = ctl_request_send(sock, json_pack("{s:s}", "cmd", argv[0]), -1, TIMEOUT_MS,
	    &reply)) != 0)
		return rc;
	slots = json_object_get(reply, "slots");
	if (strcmp(argv[0], "stop") != 0 && json_is_integer(slots))
		printf(_("Reloaded: the schedule has %lld slots.\n"),
		    (long long)json_integer_value(slots));
	else if (strcmp(argv[0], "stop") != 0)
		printf("%s\n", _("Reloaded."));
	else if ((title = ctl_out_jstr(reply, "stopped")) != NULL)
		printf(_("Stopped \"%s\".\n"), title);
	else
		printf("%s\n", _("Nothing was playing."));
	json_decref(reply);
	return 0;
}

int
loaxactl_control_mute(const char *sock, int argc, char **argv)
{
	const char *dur = NULL, *until;
	long long secs = 0;
	json_t *req, *reply;
	int i = 1, r, rc;

	if (argc > 1 && ((r = ctl_args_take(argc, argv, &i, "--for", &dur)) <= 0 || i + 1 != argc))
		return ctl_out_usage(NULL, "%s",
		    _("mute takes only --for DURATION, e.g. --for 30m"));
	if (dur != NULL && (secs = ctl_args_duration(dur)) < 0)
		return ctl_out_usage(NULL,
		    _("\"%s\" is not a duration; write e.g. 90s, 30m, 2h or 1d"), dur);
	req = json_pack("{s:s}", "cmd", "mute");
	if (req != NULL && secs > 0)
		json_object_set_new(req, "for", json_integer(secs));
	if ((rc = ctl_request_send(sock, req, -1, TIMEOUT_MS, &reply)) != 0)
		return rc;
	until = ctl_out_jstr(reply, "until");
	if (until != NULL)
		printf(_("The loudspeakers are muted until %s: nothing plays, not even alerts.\n"),
		    until);
	else
		printf("%s\n", _("The loudspeakers are muted: nothing plays, not even alerts, "
		    "until 'loaxactl unmute'."));
	json_decref(reply);
	return 0;
}

int
loaxactl_control_unmute(const char *sock, int argc, char **argv)
{
	json_t *reply;
	int rc;

	if (argc != 1)
		return ctl_out_usage(NULL, _("%s takes no arguments"), argv[0]);
	if ((rc = ctl_request_send(sock, json_pack("{s:s}", "cmd", "unmute"), -1, TIMEOUT_MS,
	    &reply)) != 0)
		return rc;
	printf("%s\n", _("The loudspeakers are on again."));
	json_decref(reply);
	return 0;
}
