/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usage.h - usage errors (exit 2), for commands and helpers alike */
#ifndef HGMCTL_USAGE_H
#define HGMCTL_USAGE_H

/* Prints "hgmctl: MSG" and a pointer to --help; exits 2. */
void usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif /* HGMCTL_USAGE_H */
