/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup2.h - test helpers for cgroup v2, independent of libhgm (it is what is under test) */
#ifndef TESTS_CGROUP2_H
#define TESTS_CGROUP2_H

#include <stdbool.h>
#include <stddef.h>

/* The first cgroup2 mount point that /proc/self/mountinfo lists, into @buf: 0, or -1. */
int cg2_mount(char *buf, size_t size);

/* Whether the blank-separated words of file @path (cgroup.controllers) include @word. */
bool file_has_word(const char *path, const char *word);

#endif /* TESTS_CGROUP2_H */
