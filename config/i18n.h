/* Messages for people go through gettext, so that Vietnamese translations can follow. */
#ifndef LOAXA_I18N_H
#define LOAXA_I18N_H

#include <libintl.h>

#define _(s)	dgettext("loaxa", s)
#define N_(s)	(s)

#endif
