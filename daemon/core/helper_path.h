/*
 * Where a helper program of ours is (loaxa-decode, loaxa-relay): beside the
 * program that starts it (a build tree, or both installed in one place), else
 * in LIBEXECDIR, where 'make install' puts it.
 */
#ifndef LOAXA_HELPER_PATH_H
#define LOAXA_HELPER_PATH_H

#include <stddef.h>

/* The path of helper name into out (always terminated). */
void	helper_path(const char *name, char *out, size_t len);

#endif
