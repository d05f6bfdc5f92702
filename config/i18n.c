/*
 * Where a program finds its messages: the locale the user asked for, and the
 * catalogue (config/po/ built into LOCALEDIR/LANG/LC_MESSAGES/loaxa.mo).
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"

#ifndef LOCALEDIR
#define LOCALEDIR	"/usr/local/share/locale"	/* the Makefile gives $(PREFIX)/share/locale */
#endif

/*
 * The locale the user asked for ("vi_VN.UTF-8"), as LC_ALL, LC_MESSAGES and
 * LANG are read in that order; NULL for C, POSIX or nothing.
 */
static const char *
i18n_asked(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = getenv(vars[i]);
		if (v != NULL && v[0] != '\0')
			break;
		v = NULL;
	}
	if (v == NULL || strcmp(v, "C") == 0 || strncmp(v, "C.", 2) == 0 ||
	    strncmp(v, "POSIX", 5) == 0 || v[0] == '/')
		return NULL;
	return v;
}

void
i18n_init(void)
{
	const char *dir = secure_getenv("LOAXA_LOCALEDIR");
	const char *asked, *language = getenv("LANGUAGE");

	if (setlocale(LC_ALL, "") == NULL) {
		/*
		 * The locale asked for is not generated on this machine (a fresh
		 * Debian has only C.UTF-8), and glibc then ignores it for messages
		 * too. The messages need only our catalogue: run in C.UTF-8 and
		 * ask gettext for that language through LANGUAGE.
		 */
		setlocale(LC_ALL, "C.UTF-8");
		asked = i18n_asked();
		if (asked != NULL && (language == NULL || language[0] == '\0'))
			setenv("LANGUAGE", asked, 1);	/* an empty LANGUAGE is as if not set */
	}
	/*
	 * Numbers stay "3.5" whatever the language: vi_VN writes "3,5", and
	 * strtod() and printf() on the configuration, the control protocol and
	 * MQTT payloads must not change with it.
	 */
	setlocale(LC_NUMERIC, "C");
	bindtextdomain(I18N_DOMAIN, dir != NULL && dir[0] != '\0' ? dir : LOCALEDIR);
	bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
	textdomain(I18N_DOMAIN);
}
