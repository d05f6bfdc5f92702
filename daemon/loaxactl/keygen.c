/* Writes a new district key pair to disk (see keygen.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "config/errlist.h"
#include "config/i18n.h"
#include "config/keys.h"
#include "daemon/core/file.h"
#include "daemon/loaxactl/keygen.h"

int
keygen_write(const char *secret_path, char *why, size_t whylen)
{
	struct keys_texts kt;
	char pub_path[PATH_MAX];
	int rc, n;

	n = snprintf(pub_path, sizeof(pub_path), "%s.pub", secret_path);
	if (n < 0 || (size_t)n >= sizeof(pub_path)) {
		errlist_why(why, whylen, _("the path \"%s\" is too long"), secret_path);
		return -ENAMETOOLONG;
	}
	if ((rc = keys_make(&kt)) < 0) {
		errlist_why(why, whylen, _("cannot make a key: %s"), strerror(-rc));
		return rc;
	}
	rc = file_write_durable(secret_path, kt.secret, strlen(kt.secret), 0600, 1);
	sodium_memzero(kt.secret, sizeof(kt.secret));
	if (rc < 0) {
		errlist_why(why, whylen, rc == -EEXIST ? _("\"%s\" already exists; a district key "
		    "is never overwritten: choose another name, or remove the old key on purpose") :
		    _("cannot write \"%s\": %s"), secret_path, strerror(-rc));
		return rc;
	}
	if ((rc = file_write_durable(pub_path, kt.public, strlen(kt.public), 0644, 0)) < 0) {
		errlist_why(why, whylen, _("cannot write \"%s\": %s"), pub_path, strerror(-rc));
		unlink(secret_path);
	}
	return rc;
}
