/* `loaxactl keygen KEYFILE`: writes a new district key pair (see config/keys.h). */
#ifndef LOAXA_KEYGEN_H
#define LOAXA_KEYGEN_H

#include <stddef.h>

/*
 * Makes a new key pair: secret_path (created, mode 0600; refused with -EEXIST
 * when it exists, so that a district key is never overwritten by mistake) and
 * secret_path.pub (mode 0644). Both are written durably (core/file.h). 0, or a
 * negative errno with the reason in why.
 */
int	keygen_write(const char *secret_path, char *why, size_t whylen);

#endif
