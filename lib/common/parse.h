/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse.h - the parsers of hgmctl's arguments, strict as hgmctl(8) says:
 * every value is the whole string, without blanks or signs, and a number
 * too large for its type is refused rather than wrapped.  Each returns 0,
 * -EINVAL (not of the form) or -ERANGE (of the form, out of range); on
 * error the output is untouched.
 */
#ifndef HGM_COMMON_PARSE_H
#define HGM_COMMON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A decimal number: digits only. */
int parse_u64(const char *str, uint64_t *val);

/* A size: a decimal number of bytes and a binary suffix ("2M", "2048kB", "1GiB"). */
int parse_size(const char *str, uint64_t *bytes);

/*
 * A COUNT or a SIZE of pages of @page_size: a bare decimal number is a count
 * of pages, a number with a unit is bytes and must be a whole number of
 * pages (-EDOM when it is not).  *@bytes says which it was.
 */
int parse_pages(const char *str, uint64_t page_size, uint64_t *pages, bool *bytes);

/* An address: hexadecimal, with or without a leading 0x. */
int parse_addr(const char *str, uint64_t *addr);

/* A RANGE argument: an address range, or the index of a VMA. */
struct addr_range {
	uint64_t start, end;	/* [start, end), when vma < 0 */
	long vma;		/* "vma:N": N (0 = the first VMA), else -1 */
};

/*
 * "ADDR-END", "ADDR+LEN" (LEN a size) or "vma:N".  Empty and reversed
 * ranges are -EINVAL; one whose end, widened to whole base pages, would
 * pass the top of the address space is -ERANGE.
 */
int parse_range(const char *str, struct addr_range *r);

/* A PID: decimal, 1 to INT_MAX. */
int parse_pid(const char *str, pid_t *pid);

/*
 * The next item of the comma-separated list at *@pp (start with the whole
 * list), copied to @buf: 1 with one, 0 past the last, -EINVAL for an empty
 * item (",1", "1,,2", "1,", and "" itself), -ERANGE for one of @size or more.
 */
int list_next(const char **pp, char *buf, size_t size);

/*
 * A comma-separated list of PIDs ("1,20,300"), no item empty.  *@pids
 * (malloc'd, the caller frees it) holds them sorted, each once.  -ENOMEM too.
 */
int parse_pid_list(const char *str, pid_t **pids, size_t *n);

/*
 * A page frame number: decimal, or hexadecimal after 0x.  Any other leading
 * 0 is refused: "0777" means octal to strtoul(3) and decimal to a reader.
 */
int parse_pfn(const char *str, uint64_t *pfn);

/* Seconds as "2", "0.5" (no exponent, nan or inf) into nanoseconds. */
int parse_seconds(const char *str, uint64_t *ns);

/*
 * A link rate into bits per second: "10Gbit", "100Mbit/s", "10Gbps" (decimal
 * prefixes), or bytes with a capital B, "1GB/s" (decimal), "512MiB/s"
 * (binary); a plain number is bits per second.  "10Gb" is -EINVAL (ambiguous)
 * and so is a rate of 0.
 */
int parse_rate(const char *str, uint64_t *bits_per_sec);

/* A duration: "0", "500ns", "20us", "1.5ms", "2s"; a plain number is microseconds. */
int parse_duration(const char *str, uint64_t *ns);

#endif /* HGM_COMMON_PARSE_H */
