// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * thp-split.c - the split-THP fixture: anonymous THP whose PMD mappings are
 * split to PTEs while the folios stay whole, for the demo and bench workloads
 * and the tests
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

char *thp_map(uint64_t len, uint64_t pmd_size, bool must_advise)
{
	uint64_t off, page = (uint64_t)sysconf(_SC_PAGESIZE);
	char *raw, *p;

	/* over-allocate by one PMD so that the area can start PMD-aligned */
	raw = mmap(NULL, len + pmd_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return MAP_FAILED;
	p = (char *)(((uintptr_t)raw + pmd_size - 1) & ~(uintptr_t)(pmd_size - 1));
	if (p > raw)
		munmap(raw, p - raw);
	munmap(p + len, raw + pmd_size - p);
	if (madvise(p, len, MADV_HUGEPAGE) && must_advise) {
		int err = errno;

		munmap(p, len);
		errno = err;
		return MAP_FAILED;
	}
	/* non-zero data everywhere, so the underused-THP shrinker leaves them alone */
	for (off = 0; off < len; off += page)
		p[off] = 1;
	return p;
}

int thp_split_pmds(char *addr, uint64_t len, uint64_t pmd_size)
{
	uint64_t off, page = (uint64_t)sysconf(_SC_PAGESIZE);

	/*
	 * A page of another protection makes the kernel map that THP with
	 * PTEs; restoring it merges the VMAs again while the PTE mapping stays.
	 */
	for (off = 0; off + pmd_size <= len; off += pmd_size)
		if (mprotect(addr + off, page, PROT_READ) ||
		    mprotect(addr + off, page, PROT_READ | PROT_WRITE))
			return -1;
	return 0;
}
