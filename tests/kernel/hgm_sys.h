/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hgm_sys.h - what the HGM safety, walker and poison tests share (hgm_sys.c)
 * beyond hgm_util.h: sysfs/debugfs/procfs settings saved and put back, the NUMA node
 * of an address, and catching the SIGBUS (or SIGSEGV) of one access.
 */
#ifndef TESTS_KERNEL_HGM_SYS_H
#define TESTS_KERNEL_HGM_SYS_H

#include <setjmp.h>
#include <signal.h>

#include "hgm_util.h"

#ifndef MPOL_F_NODE
#define MPOL_F_NODE (1 << 0)
#define MPOL_F_ADDR (1 << 1)
#endif

/* Reads up to @n - 1 bytes of @path into @buf (NUL-terminated, trailing
 * newline dropped): 0 or -errno. */
int sys_read(const char *path, char *buf, size_t n);

/* Writes @val to @path: 0 or -errno. */
int sys_write(const char *path, const char *val);

/* A setting changed by a test, and the value to put back. */
struct saved_setting {
	char path[160];
	char old[64];
	bool saved;
};

/* Saves @path's value into @s and writes @val: 0 or -errno. */
int setting_set(struct saved_setting *s, const char *path, const char *val);

void setting_restore(struct saved_setting *s);

long sys_read_long(const char *path);

/*
 * Does the VMA of this process that contains @addr (not only one starting
 * there) have VmFlags @flag?  1, 0, or -1 if there is no such VMA.
 */
int vma_flag_at(void *addr, const char *flag);

/* The NUMA node of the page mapped at @addr, or -errno. */
int node_of(void *addr);

bool node_online(int n);

/*
 * One access that may raise a signal: the signal number and si_code it
 * raised, or 0 if it completed.
 */
struct fault_report {
	int sig, code;
	uintptr_t addr;
	short addr_lsb;
};

enum access_kind { ACCESS_READ, ACCESS_WRITE, ACCESS_HWPOISON };

/*
 * Reads or writes (the byte already there) one byte at @p, or injects a
 * memory error there with MADV_HWPOISON, catching SIGBUS and SIGSEGV.
 * *@ret gets madvise's result (-errno) for ACCESS_HWPOISON.
 */
struct fault_report access_once(volatile unsigned char *p, enum access_kind k,
				int *ret);

const char *sigbus_code_name(int code);

#endif /* TESTS_KERNEL_HGM_SYS_H */
