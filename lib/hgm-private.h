/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hgm-private.h - helpers shared by libhgm's modules; not installed */
#ifndef HGM_PRIVATE_H
#define HGM_PRIVATE_H

#include "hgm.h"
#include "uapi-compat.h"

#define HGM_EXPORT	__attribute__((visibility("default")))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Parses an unsigned decimal at *p, advancing it; returns -EINVAL/-ERANGE. */
int hgm_strtou64(const char **p, uint64_t *val);

/* Reads /proc/@pid/@what (pid 0: self) path into @buf: "/proc/self/smaps". */
void hgm_proc_path(char *buf, size_t size, pid_t pid, const char *what);

/* Returns the text of @f with trailing newlines removed (in place). */
char *hgm_chomp(char *s);

/* Opens a userfaultfd by the first way that works (uffd.c); returns fd or -errno. */
int hgm_uffd_open_any(int flags, enum hgm_uffd_way *how);

#endif /* HGM_PRIVATE_H */
