/* The district's list of stations, from loaxa-district's directory (see fleet_dir.h). */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/readfile.h"
#include "daemon/loaxactl/fleet.h"
#include "daemon/loaxactl/fleet_dir.h"

#define FLEET_DIR_INDEX_MAX	(16 * 1024 * 1024)	/* index.txt: ~150 bytes a certificate */
#define FLEET_DIR_NAME_MAX	1024			/* stations/ID.name: one line */

/* 1 when dir looks like loaxa-district's: a region file and a stations directory. */
static int
fleet_dir_is_district(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(p, sizeof(p), "%s/region", dir) >= sizeof(p) || stat(p, &st) == -1 ||
	    !S_ISREG(st.st_mode))
		return 0;
	if ((size_t)snprintf(p, sizeof(p), "%s/stations", dir) >= sizeof(p) ||
	    stat(p, &st) == -1 || !S_ISDIR(st.st_mode))
		return 0;
	return 1;
}

int
fleet_dir_find(const char *conf, char *dir, size_t len)
{
	char real[PATH_MAX], *d;

	if (conf == NULL || realpath(conf, real) == NULL)
		return -ENOENT;
	d = dirname(real);
	/* DIR/clients/district.NAME.cfg: the district is the directory above. */
	if (strcmp(d, "/") != 0 && strcmp(strrchr(d, '/') + 1, "clients") == 0 &&
	    !fleet_dir_is_district(d))
		d = dirname(d);
	if (!fleet_dir_is_district(d) || (size_t)snprintf(dir, len, "%s", d) >= len)
		return -ENOENT;
	return 0;
}

/* The first line of path (the caller's to free), or NULL with *rc set. */
static char *
fleet_dir_line(const char *path, size_t max, int *rc)
{
	char *text = NULL;

	if ((*rc = readfile_text(path, max, &text)) < 0)
		return NULL;
	text[strcspn(text, "\r\n")] = '\0';
	return text;
}

/* The ids of revoked stations, from the CA's database: "R\t...\t.../OU=station/CN=ID". */
static int
fleet_dir_revoked(const char *dir, char ***ids, size_t *n, char *why, size_t whylen)
{
	char path[PATH_MAX], *text = NULL, *line, *save = NULL, *cn, **p;
	int rc;

	*ids = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/ca/index.txt", dir);
	if ((rc = readfile_text(path, FLEET_DIR_INDEX_MAX, &text)) < 0) {
		snprintf(why, whylen, _("cannot read %s, which says which stations were revoked: %s"),
		    path, readfile_strerror(rc));
		return rc;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != 'R' || line[1] != '\t' ||
		    (cn = strstr(line, "/OU=station/CN=")) == NULL)
			continue;
		cn += strlen("/OU=station/CN=");
		if (!conf_id_valid(cn))
			continue;
		if ((p = realloc(*ids, (*n + 1) * sizeof(*p))) == NULL ||
		    (p[*n] = strdup(cn)) == NULL) {
			if (p != NULL)
				*ids = p;
			free(text);
			snprintf(why, whylen, "%s", _("out of memory"));
			return -ENOMEM;
		}
		*ids = p;
		(*n)++;
	}
	free(text);
	return 0;
}

static int
fleet_dir_is_revoked(char *const *ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

/* Every DIR/stations/ID.crt into f, with its name and whether it was revoked. */
static int
fleet_dir_stations(const char *dir, struct fleet *f, char *const *revoked, size_t n_revoked,
    char *why, size_t whylen)
{
	char path[PATH_MAX], id[64], *name;
	struct dirent *de;
	size_t len;
	DIR *d;
	int rc = 0, nrc;

	snprintf(path, sizeof(path), "%s/stations", dir);
	if ((d = opendir(path)) == NULL) {
		rc = -errno;
		snprintf(why, whylen, _("cannot read %s: %s"), path, strerror(-rc));
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 4 || len - 4 >= sizeof(id) || strcmp(de->d_name + len - 4, ".crt") != 0)
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(len - 4), de->d_name);
		if (!conf_id_valid(id))
			continue;
		snprintf(path, sizeof(path), "%s/stations/%s.name", dir, id);
		name = fleet_dir_line(path, FLEET_DIR_NAME_MAX, &nrc);	/* none is no name */
		rc = fleet_add_enrolled(f, id, name, fleet_dir_is_revoked(revoked, n_revoked, id));
		free(name);
		if (rc < 0)
			snprintf(why, whylen, _("cannot list the stations of %s: %s"), dir,
			    strerror(-rc));
	}
	closedir(d);
	return rc;
}

int
fleet_dir_read(const char *dir, const char *region, struct fleet *f, char *why, size_t whylen)
{
	char path[PATH_MAX], *dregion, **revoked = NULL;
	size_t i, n_revoked = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/region", dir);
	if ((dregion = fleet_dir_line(path, 128, &rc)) == NULL) {
		snprintf(why, whylen, _("%s is not a district directory made by loaxa-district: "
		    "cannot read %s: %s"), dir, path, readfile_strerror(rc));
		return rc;
	}
	if (strcmp(dregion, region) != 0) {
		snprintf(why, whylen, _("%s is the district directory of region \"%.63s\", not "
		    "\"%s\""), dir, dregion, region);
		free(dregion);
		return -EINVAL;
	}
	free(dregion);
	if ((rc = fleet_dir_revoked(dir, &revoked, &n_revoked, why, whylen)) == 0) {
		fleet_enrolment_known(f);
		rc = fleet_dir_stations(dir, f, revoked, n_revoked, why, whylen);
	}
	for (i = 0; i < n_revoked; i++)
		free(revoked[i]);
	free(revoked);
	return rc;
}
