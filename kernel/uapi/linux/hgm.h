/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * linux/hgm.h - the HugeTLB high-granularity mapping (HGM) user ABI
 *
 * One definition shared by the kernel patches (kernel/patches) and by
 * hgmctl; every value is guarded so that a kernel header carrying the same
 * definition wins.  See DESIGN.md, "The HGM kernel ABI".
 */
#ifndef _UAPI_LINUX_HGM_H
#define _UAPI_LINUX_HGM_H

/*
 * userfaultfd feature bit: a MINOR registration on a MAP_SHARED hugetlb VMA
 * enables HGM on it, and UFFDIO_CONTINUE then takes PAGE_SIZE-aligned ranges.
 * Must be requested together with UFFD_FEATURE_EXACT_ADDRESS (else EINVAL).
 */
#ifndef UFFD_FEATURE_MINOR_HUGETLBFS_HGM
#define UFFD_FEATURE_MINOR_HUGETLBFS_HGM	(1 << 20)
#endif

/* madvise(2) advice: enable HGM on a shared hugetlb VMA; no page changes. */
#ifndef MADV_SPLIT
#define MADV_SPLIT				26
#endif

/* The two-letter VmFlags mnemonic of an HGM VMA in /proc/PID/smaps. */
#define HGM_VMFLAG_MNEMONIC			"hm"

/* /proc/PID/smaps labels (kB) of hugetlb bytes mapped by leaves per level. */
#define HGM_SMAPS_PUD_MAPPED			"HugetlbPudMapped"
#define HGM_SMAPS_PMD_MAPPED			"HugetlbPmdMapped"
#define HGM_SMAPS_PTE_MAPPED			"HugetlbPteMapped"

#endif /* _UAPI_LINUX_HGM_H */
