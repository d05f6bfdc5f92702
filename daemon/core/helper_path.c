/* Where a helper program of ours is (see helper_path.h). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/core/helper_path.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/local/libexec/loaxa"
#endif

void
helper_path(const char *name, char *out, size_t len)
{
	char self[PATH_MAX - 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(out, len, "%s/%s", self, name);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "%s/%s", LIBEXECDIR, name);
}
