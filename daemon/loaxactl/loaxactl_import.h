/* 'loaxactl import RECORDING [OUT.opus]': a bulletin prepared without queueing it. */
#ifndef LOAXA_LOAXACTL_IMPORT_H
#define LOAXA_LOAXACTL_IMPORT_H

int	loaxactl_import(const char *conf, int argc, char **argv);

#endif
