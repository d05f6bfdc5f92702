/*
 * Messages for people go through gettext: _() for a message, N_() to mark one
 * that is translated later (a table of names). The catalogue is config/po/.
 */
#ifndef LOAXA_I18N_H
#define LOAXA_I18N_H

#include <libintl.h>

#define I18N_DOMAIN	"loaxa"
#define _(s)	dgettext(I18N_DOMAIN, s)
#define N_(s)	(s)

/*
 * Sets the locale from the environment (LANG, LC_ALL, LC_MESSAGES, LANGUAGE)
 * and binds the catalogue: from $LOAXA_LOCALEDIR when set (the tests use the
 * build tree's), else from where 'make install' put it. Numbers keep the C
 * locale. Called first thing in main().
 */
void	i18n_init(void);

#endif
