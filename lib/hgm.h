/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hgm.h - libhgm: typed access to Linux huge-page memory state (hugetlb, THP, HGM) */
#ifndef HGM_H
#define HGM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Conventions: functions return 0 (or a count) on success and -errno on
 * failure; the library never prints and never exits.  Objects are created by
 * hgm_<obj>_new() and released by hgm_<obj>_free(), which accept NULL.
 *
 * Unknown values: a number the library could not learn (no privilege to read
 * it, a kernel without the file, a recorded tree without it) holds
 * HGM_UNKNOWN, all bits set in its own type: UINT64_MAX in a uint64_t,
 * UINT_MAX in an unsigned int, -1 in an int or int64_t.  It is never 0 and
 * there are no separate "*_known" flags: test a value with HGM_KNOWN().
 * A bool the library cannot establish reads false; each such bool says which
 * value it depends on.
 *
 * Structs that grow: what mirrors an open-ended kernel list (the fields and
 * VmFlags of smaps) is an opaque handle with accessors (struct hgm_vma).  A
 * struct the caller allocates and a newer library may extend starts with a
 * size member: set it to sizeof(the struct) before the call, and the library
 * fills only what fits (HGM_SIZED).  Structs the library allocates, and the
 * rows it passes to callbacks, only ever grow at their end.  The tables of
 * callbacks a caller passes (struct hgm_*_ops) never grow: a new callback
 * comes with a new function or flag that says the caller's table has it.
 */

/** The value of a number the library could not learn: all bits set. */
#define HGM_UNKNOWN	(-1)

/** Whether @x (any integer member of this API) holds a value, not HGM_UNKNOWN. */
#define HGM_KNOWN(x)	((x) != (__typeof__(x))HGM_UNKNOWN)

/** Sets @s->size for a size-versioned struct: struct hgm_features f = HGM_SIZED(f); */
#define HGM_SIZED(s)	{ .size = sizeof(s) }

/* ---- path context ----------------------------------------------------- */

/** Every /proc and /sys access goes through a context that may be re-rooted. */
struct hgm_ctx;

/**
 * hgm_ctx_new() - create a context reading /proc and /sys under @root
 * @root: directory to use as "/", or NULL for the live system
 * Returns 0 and sets *@ctx, or -errno (the root cannot be opened).
 */
int hgm_ctx_new(struct hgm_ctx **ctx, const char *root);
void hgm_ctx_free(struct hgm_ctx *ctx);

/** Returns true when the context reads the live system (no --root). */
bool hgm_ctx_is_live(const struct hgm_ctx *ctx);

/**
 * hgm_ctx_open() - open absolute @path under the root with @flags
 * Files (not O_PATH, not O_DIRECTORY) are opened without blocking and must be
 * regular files, as every /proc and /sys file is: anything else is refused.
 * Returns the fd, or -errno; -EBADMSG when refused (hgm_ctx_error() says why).
 */
int hgm_ctx_open(const struct hgm_ctx *ctx, const char *path, int flags);

/**
 * hgm_ctx_error() - why the last -EBADMSG of a call on @ctx was returned
 * A file that is not what the kernel writes (not a regular file, a size, an
 * alignment or a number out of range, a malformed line) is refused with
 * -EBADMSG, and the context keeps a message naming it:
 * "ROOT/proc/42/smaps: line 17: KernelPageSize 0 kB is not a page size".
 * Returns the message, or NULL when nothing was refused.
 */
const char *hgm_ctx_error(const struct hgm_ctx *ctx);

/**
 * hgm_ctx_read() - read a small file whole into @buf (NUL-terminated)
 * Returns the number of bytes read (without the NUL), or -errno;
 * -EFBIG when the file does not fit in @size - 1 bytes.
 */
ssize_t hgm_ctx_read(const struct hgm_ctx *ctx, const char *path, char *buf, size_t size);

/** Reads a file holding one unsigned decimal number. Returns 0 or -errno. */
int hgm_ctx_read_u64(const struct hgm_ctx *ctx, const char *path, uint64_t *val);

/**
 * hgm_ctx_failed_path() - the file an error came from, for messages that name it
 * Returns "ROOT/PATH" of the last file @ctx failed to open, read or parse (a
 * refusal of hgm_ctx_error() included), or NULL if none.  A call that failed
 * for another reason (-ENOMEM) leaves an older path.
 */
const char *hgm_ctx_failed_path(const struct hgm_ctx *ctx);

/* ---- smaps --------------------------------------------------------------- */

/** Fields of one smaps record; sizes in bytes. */
enum hgm_smaps_field {
	HGM_SM_SIZE,
	HGM_SM_KERNEL_PAGE_SIZE,
	HGM_SM_MMU_PAGE_SIZE,
	HGM_SM_RSS,
	HGM_SM_PSS,
	HGM_SM_PSS_DIRTY,
	HGM_SM_PSS_ANON,
	HGM_SM_PSS_FILE,
	HGM_SM_PSS_SHMEM,
	HGM_SM_SHARED_CLEAN,
	HGM_SM_SHARED_DIRTY,
	HGM_SM_PRIVATE_CLEAN,
	HGM_SM_PRIVATE_DIRTY,
	HGM_SM_REFERENCED,
	HGM_SM_ANONYMOUS,
	HGM_SM_KSM,
	HGM_SM_LAZY_FREE,
	HGM_SM_ANON_HUGE_PAGES,
	HGM_SM_SHMEM_PMD_MAPPED,
	HGM_SM_FILE_PMD_MAPPED,
	HGM_SM_SHARED_HUGETLB,
	HGM_SM_PRIVATE_HUGETLB,
	HGM_SM_SWAP,
	HGM_SM_SWAP_PSS,
	HGM_SM_LOCKED,
	HGM_SM_HUGETLB_PUD_MAPPED,	/* HGM kernels */
	HGM_SM_HUGETLB_PMD_MAPPED,	/* HGM kernels */
	HGM_SM_HUGETLB_PTE_MAPPED,	/* HGM kernels */
	HGM_SM_THP_ELIGIBLE,		/* 0/1, not a size */
	HGM_SM_PROTECTION_KEY,		/* a number, not a size */
	HGM_SM_NR_FIELDS		/* what this header knows: the kernel adds more */
};

/** VmFlags of smaps as bits (two-letter mnemonics of fs/proc/task_mmu.c). */
enum hgm_vmflag {
	HGM_VF_RD, HGM_VF_WR, HGM_VF_EX, HGM_VF_SH, HGM_VF_MR, HGM_VF_MW,
	HGM_VF_ME, HGM_VF_MS, HGM_VF_GD, HGM_VF_PF, HGM_VF_LO, HGM_VF_IO,
	HGM_VF_SR, HGM_VF_RR, HGM_VF_DC, HGM_VF_DE, HGM_VF_LF, HGM_VF_AC,
	HGM_VF_NR, HGM_VF_HT, HGM_VF_SF, HGM_VF_AR, HGM_VF_WF, HGM_VF_DD,
	HGM_VF_BT, HGM_VF_SD, HGM_VF_MM, HGM_VF_HG, HGM_VF_NH, HGM_VF_MG,
	HGM_VF_UM, HGM_VF_UW, HGM_VF_SS, HGM_VF_MT, HGM_VF_SL,
	HGM_VF_HM,	/* HGM: high-granularity mapping enabled on the VMA */
	HGM_VF_NR_FLAGS		/* what this header knows: the kernel adds more */
};

/**
 * One VMA as smaps (or PROCMAP_QUERY) describes it: an opaque handle, read
 * through the accessors below, so that a field the kernel adds to smaps is a
 * new enum value and never a change of layout.  A caller that needs storage
 * for one (hgm_smaps_next(), hgm_vma_nth()) gets it from hgm_vma_new(); the
 * VMAs the walks pass to callbacks belong to the library and live until the
 * callback returns (or, for hgm_folio.vma, until the next VMA's callback).
 */
struct hgm_vma;

/** Allocates an empty VMA (every field HGM_UNKNOWN). Returns 0 or -ENOMEM. */
int hgm_vma_new(struct hgm_vma **vma);
void hgm_vma_free(struct hgm_vma *vma);

/** Returns the first address of @vma. */
uint64_t hgm_vma_start(const struct hgm_vma *vma);
/** Returns the address after the last byte of @vma: the VMA is [start, end). */
uint64_t hgm_vma_end(const struct hgm_vma *vma);
/** Returns the permissions as smaps prints them ("rw-p"). */
const char *hgm_vma_perms(const struct hgm_vma *vma);
/** Returns the file offset in bytes (0 for anonymous memory). */
uint64_t hgm_vma_offset(const struct hgm_vma *vma);
/** Sets the device of the mapped file (0:0 for anonymous memory). */
void hgm_vma_dev(const struct hgm_vma *vma, unsigned int *major, unsigned int *minor);
/** Returns the inode of the mapped file (0 for anonymous memory). */
uint64_t hgm_vma_inode(const struct hgm_vma *vma);
/** Returns the path, "[heap]", "[stack]" ... or "" (may be cut to 4095 bytes). */
const char *hgm_vma_name(const struct hgm_vma *vma);

/**
 * hgm_vma_field() - one smaps field of @vma (bytes for sizes)
 * Returns its value, or HGM_UNKNOWN when the record has no such line (an
 * older kernel, a field from a newer header, or a VMA from PROCMAP_QUERY).
 */
uint64_t hgm_vma_field(const struct hgm_vma *vma, enum hgm_smaps_field f);

/** Returns whether VmFlags lists @f (false when the record has no VmFlags). */
bool hgm_vma_flag(const struct hgm_vma *vma, enum hgm_vmflag f);

/** Returns VmFlags as smaps printed them ("rd wr mr mw me ac"), "" when absent. */
const char *hgm_vma_flags(const struct hgm_vma *vma);

/** Returns how many lines of the record had a label this library does not know. */
unsigned int hgm_vma_unknown_fields(const struct hgm_vma *vma);

/** A streaming smaps reader: one buffer, no allocation per line or per VMA. */
struct hgm_smaps;

/**
 * hgm_smaps_open() - start reading /proc/@pid/smaps through @ctx
 * @pid: process id, or 0 for "self"
 * Returns 0 and sets *@sm, or -errno: -ESRCH no such process, -EACCES/-EPERM
 * not allowed to read it.
 */
int hgm_smaps_open(const struct hgm_ctx *ctx, pid_t pid, struct hgm_smaps **sm);

/** Reads smaps text from @fd (which the reader then owns and closes). */
int hgm_smaps_open_fd(int fd, struct hgm_smaps **sm);

/**
 * hgm_smaps_next() - parse the next VMA record into @vma
 * Returns 1 with a record, 0 at the end, -EBADMSG on a malformed line
 * (hgm_smaps_lineno() tells which), or -errno from read(2) (-ESRCH when the
 * process exited mid-read).
 */
int hgm_smaps_next(struct hgm_smaps *sm, struct hgm_vma *vma);

/** Returns the number of the line last parsed (1-based), for error messages. */
unsigned long hgm_smaps_lineno(const struct hgm_smaps *sm);
void hgm_smaps_free(struct hgm_smaps *sm);

/** Returns the smaps label of @f ("AnonHugePages"). */
const char *hgm_smaps_field_name(enum hgm_smaps_field f);
/** Returns the two-letter mnemonic of @f ("ht"). */
const char *hgm_vmflag_name(enum hgm_vmflag f);

/* ---- classifying and measuring a VMA ------------------------------------ */

enum hgm_kind {
	HGM_KIND_HUGETLB,
	HGM_KIND_THP,
	HGM_KIND_ANON,
	HGM_KIND_FILE,
	HGM_KIND_SHMEM,
	HGM_KIND_OTHER,
	HGM_KIND_DAX,		/* a file mapping on persistent memory (hgm_vma_dax()) */
};

/** Returns "hugetlb", "thp", "anon", "file", "shmem", "other" or "dax". */
const char *hgm_kind_name(enum hgm_kind k);

/**
 * hgm_kind_nth() - the @n-th kind (from 0) into *@k, for lists of every kind
 * that this libhgm knows.  Returns 0, or -ENOENT past the last one.
 */
int hgm_kind_nth(unsigned int n, enum hgm_kind *k);

/** Returns the kind of @vma, judged from its flags, name and THP fields. */
enum hgm_kind hgm_vma_kind(const struct hgm_vma *vma);

enum hgm_level { HGM_LEVEL_PTE, HGM_LEVEL_PMD, HGM_LEVEL_PUD, HGM_NR_LEVELS };

/** Returns "pte", "pmd" or "pud". */
const char *hgm_level_name(enum hgm_level l);

/** What a VMA maps at each page-table level, in bytes. */
struct hgm_vma_usage {
	enum hgm_kind kind;
	uint64_t page_size;			/* KernelPageSize */
	uint64_t mapped[HGM_NR_LEVELS];		/* bytes mapped by leaves per level */
	bool from_hgm_fields;			/* hugetlb figures from Hugetlb*Mapped */
	bool from_scan_only;			/* hgm_maps_walk(): smaps not read, all scanned */
};

/**
 * hgm_vma_usage() - bytes mapped at each level, from smaps alone
 * @pmd_size: bytes mapped by one PMD leaf (hgm_thp_pmd_size())
 *
 * hugetlb: the HGM fields when present, else Shared_Hugetlb + Private_Hugetlb
 * at the level of the page size.  THP: AnonHugePages + ShmemPmdMapped +
 * FilePmdMapped at PMD level; THP mapped by PTEs cannot be told from smaps,
 * so mapped[PTE] is HGM_UNKNOWN for non-hugetlb VMAs.
 */
void hgm_vma_usage(const struct hgm_vma *vma, uint64_t pmd_size, struct hgm_vma_usage *u);

/** Returns the level whose leaf maps @page_size bytes on this machine. */
enum hgm_level hgm_level_of_size(uint64_t page_size, uint64_t pmd_size);

/* ---- page scanner ----------------------------------------------------------- */

enum hgm_folio_kind {
	HGM_FOLIO_UNKNOWN,	/* present, but its folio cannot be told (no PFNs) */
	HGM_FOLIO_BASE,		/* order-0 page */
	HGM_FOLIO_THP,		/* PMD-order transparent huge page */
	HGM_FOLIO_MTHP,		/* smaller multi-size THP */
	HGM_FOLIO_HUGETLB,
	HGM_FOLIO_ZERO,		/* the shared zero page or huge zero page */
	HGM_FOLIO_KSM,
	HGM_FOLIO_SWAPPED,	/* not present: in swap */
	HGM_FOLIO_DAX,		/* DAX memory: no page flags, no folio (flags unknown) */
};

/** Returns "base", "thp", "mthp", "hugetlb", "zero", "ksm", "swapped", "dax" or "unknown". */
const char *hgm_folio_kind_name(enum hgm_folio_kind k);

/**
 * One row of a scan: pages of one folio mapped contiguously by leaves of one
 * level (or, per page, one page).  Values a caller may not see are
 * HGM_UNKNOWN, never zeros.
 */
struct hgm_folio {
	uint64_t start, end;		/* virtual range */
	enum hgm_level level;		/* level of the leaf entries mapping it */
	enum hgm_folio_kind kind;
	bool present, swapped, file, exclusive, uffd_wp, soft_dirty;
	uint64_t pfn;			/* PFN of the page at start; unknown when not
					   present or without CAP_SYS_ADMIN (read as 0) */
	uint64_t head_pfn;		/* first PFN of the folio: from kpageflags or
					   the hugetlb page */
	unsigned int order;		/* folio order (log2 pages): from kpageflags,
					   a huge leaf or a hugetlb VMA */
	uint64_t kflags;		/* kpageflags of the folio's head (KPF_* bits) */
	bool hwpoison;			/* kflags marks it poisoned (false: unknown kflags) */
	uint64_t mapcount;		/* kpagecount of the page at start (unknown
					   with HGM_SCAN_NO_COUNT) */
	int node;			/* NUMA node (unknown without HGM_SCAN_NODES) */
	const struct hgm_vma *vma;	/* the VMA it lies in */
};

enum {
	HGM_SCAN_PAGES = 1 << 0,	/* one row per page instead of per folio */
	HGM_SCAN_NODES = 1 << 1,	/* look up NUMA nodes (move_pages) */
	HGM_SCAN_NO_IOCTL = 1 << 2,	/* do not use PAGEMAP_SCAN (tests, old kernels) */
	HGM_SCAN_NO_FOLIOS = 1 << 3,	/* levels only: skip kpageflags, kpagecount */
	HGM_SCAN_NO_COUNT = 1 << 4,	/* skip kpagecount (mapcount unknown) */
	/*
	 * The caller needs of each VMA only its range, perms, offset, device,
	 * inode, name, KernelPageSize and the "ht" flag: the scanner may then
	 * list VMAs with PROCMAP_QUERY (Linux 6.11) instead of reading smaps,
	 * whose counters cost a walk of every page table.  Such VMAs have no
	 * other smaps field (hgm_vma_has() false) and an empty vmflags_str.
	 */
	HGM_SCAN_LIGHT_VMAS = 1 << 5,
	/*
	 * Rows for huge leaves only, where PAGEMAP_SCAN can filter them (the
	 * pagemap fallback may also give PTE rows).  VMAs that cannot hold a
	 * PMD leaf are left out, ops->vma included.  For callers that want
	 * the PMD-mapped THP.
	 */
	HGM_SCAN_HUGE_ONLY = 1 << 6,
};

#define HGM_SCAN_SKIP	1	/* from ops->vma: no rows for this VMA */

struct hgm_scan_ops {
	/**
	 * Called for each VMA in the range before its rows: returns 0 to scan
	 * it, HGM_SCAN_SKIP to skip its pages, anything else stops the scan.
	 */
	int (*vma)(const struct hgm_vma *vma, void *arg);
	/** Called for each row, in address order; non-zero stops. */
	int (*folio)(const struct hgm_folio *folio, void *arg);
};

/**
 * hgm_scan() - walk the mappings of @pid in [@start, @end) (0, 0: everything)
 * Streams rows to @ops; memory use does not grow with the size of the process.
 * Row levels are what the kernel reports (PAGEMAP_SCAN's PAGE_IS_HUGE, the
 * PFNs); in a hugetlb VMA with HGM ("hm") also smaps' Hugetlb*Mapped bytes,
 * for what those cannot tell apart (hgmctl(8), pagemap, LEVEL).  Such a VMA
 * is read from its start whatever @start, so that a range gets the rows a
 * whole scan does.
 * Returns 0, the first non-zero value a callback returned, or -errno
 * (-ESRCH: the process is gone or exited during the scan).
 */
int hgm_scan(const struct hgm_ctx *ctx, pid_t pid, uint64_t start, uint64_t end,
	     unsigned int flags, const struct hgm_scan_ops *ops, void *arg);

/**
 * hgm_pagemap_walk() - one bare PAGEMAP_SCAN walk of all of @pid's memory
 * (categories of present and swapped pages, nothing more): the least work any
 * page scanner must do, the floor for benchmarks.
 * Returns the number of regions reported, or -errno (-ENOTTY: no PAGEMAP_SCAN).
 */
long hgm_pagemap_walk(const struct hgm_ctx *ctx, pid_t pid);

/**
 * hgm_pagemap_walk_pfns() - hgm_pagemap_walk(), and a read of the pagemap
 * entry (the PFN) of every present page that no huge leaf maps, in large
 * batches: the least work a scanner that tells folios mapped by PTEs apart
 * must do (it cannot know where one ends without each page's PFN).
 * Returns the number of entries read, or -errno.
 */
long hgm_pagemap_walk_pfns(const struct hgm_ctx *ctx, pid_t pid);

/** The folio a PFN belongs to, from /proc/kpageflags. */
struct hgm_pfn_folio {
	uint64_t head;		/* first PFN */
	unsigned int order;
	uint64_t kflags;	/* of the head */
	bool hugetlb;		/* a hugetlb page (KPF_HUGE) */
};

/**
 * hgm_pfn_folio() - find the folio of @pfn: its head and its order
 * Returns 0, -EACCES/-EPERM without the privilege to read kpageflags, or
 * -ENXIO when @pfn is beyond the end of memory.
 */
int hgm_pfn_folio(const struct hgm_ctx *ctx, uint64_t pfn, struct hgm_pfn_folio *out);

/**
 * hgm_pfn_end() - one past the highest page frame number of any memory zone
 * From the spanned ranges of /proc/zoneinfo, read afresh (memory hotplug
 * moves it).  Returns 0, -ENOENT without zoneinfo (a tree that did not
 * record it), -EBADMSG when it lists no zone, or -errno.
 */
int hgm_pfn_end(const struct hgm_ctx *ctx, uint64_t *end);

/** Returns the name of kpageflags bit @bit ("thp", "compound_head"), or NULL. */
const char *hgm_kpf_name(unsigned int bit);

/**
 * hgm_vma_nth() - the @n-th VMA (from 0) of @pid, as `maps` lists them
 * Returns 0, -ENOENT when there are fewer VMAs, or -errno.
 */
int hgm_vma_nth(const struct hgm_ctx *ctx, pid_t pid, long n, struct hgm_vma *vma);

/* ---- DAX: file mappings on persistent memory -------------------------------- */

enum hgm_dax_type {
	HGM_DAX_NONE,
	HGM_DAX_FS,	/* a file on a DAX file system (dax mount option, STATX_ATTR_DAX) */
	HGM_DAX_DEV,	/* a device-dax character device, /dev/daxX.Y */
};

/** Returns "fsdax", "devdax", or "" for HGM_DAX_NONE. */
const char *hgm_dax_type_name(enum hgm_dax_type t);

/**
 * hgm_vma_dax() - whether @vma maps persistent memory directly, and how
 * Set on the VMAs that hgm_scan() and hgm_maps_walk() pass to callbacks
 * (from the mount table, the file's statx attributes and sysfs; a recorded
 * tree has the first and the last); HGM_DAX_NONE on others.
 */
enum hgm_dax_type hgm_vma_dax(const struct hgm_vma *vma);
/** Returns the DAX device's alignment in bytes (sysfs), or HGM_UNKNOWN. */
uint64_t hgm_vma_dax_align(const struct hgm_vma *vma);
/** Returns the DAX device behind @vma ("dax1.0", "pmem0"), or "". */
const char *hgm_vma_dax_device(const struct hgm_vma *vma);

/** Why a DAX mapping is made of PTEs where a PMD could map it. */
enum hgm_dax_fallback {
	HGM_DAX_FB_NONE,		/* not a DAX VMA */
	HGM_DAX_FB_DEVICE_ALIGN,	/* the device aligns below the PMD size (4K) */
	HGM_DAX_FB_FS_BLOCK,		/* the fs block size does not divide a PMD */
	HGM_DAX_FB_PRIVATE,		/* MAP_PRIVATE: written pages are copied */
	HGM_DAX_FB_OFFSET,		/* address and file offset differ modulo PMD */
	HGM_DAX_FB_VMA_ALIGN,		/* the VMA starts or ends off a PMD boundary */
	HGM_DAX_FB_EXTENT,		/* file blocks not PMD-aligned on the device */
	HGM_DAX_FB_UNKNOWN,		/* none of these */
};

/**
 * hgm_dax_fallback() - the first reason, in the order of enum
 * hgm_dax_fallback, why DAX VMA @vma of @pid cannot be mapped by PMDs
 * (extents are looked at on a live system only).  It judges the VMA, not its
 * pages: call it for a VMA the scan found PTE-mapped.
 */
enum hgm_dax_fallback hgm_dax_fallback(const struct hgm_ctx *ctx, pid_t pid,
				       const struct hgm_vma *vma, uint64_t pmd_size);
/** Returns "device_align", "private", ... ("" for HGM_DAX_FB_NONE). */
const char *hgm_dax_fallback_name(enum hgm_dax_fallback r);
/** Returns a sentence: "address and file offset differ modulo the PMD size". */
const char *hgm_dax_fallback_text(enum hgm_dax_fallback r);

/** One pmem block device or DAX character device. */
struct hgm_dax_dev {
	char name[32];		/* "pmem0", "dax1.0" */
	char mode[16];		/* "fsdax", "raw" (pmem), "devdax" */
	uint64_t size;		/* bytes, or unknown */
	uint64_t align;		/* bytes, or unknown */
};

/**
 * hgm_dax_devices() - the pmem block devices and DAX devices of the system
 * Returns 0 and sets *@devs (free() it; NULL when none) and *@n, or -errno.
 */
int hgm_dax_devices(const struct hgm_ctx *ctx, struct hgm_dax_dev **devs, size_t *n);

/* ---- what `maps` measures: smaps merged with the page scan ------------------ */

enum {
	HGM_MAPS_ROWS = 1 << 0,		/* also walk hugetlb pages, for ops->folio */
	/*
	 * The caller needs no VmFlags (vmflags, vmflags_str): where page flags
	 * are readable, VMAs come from PROCMAP_QUERY and every figure from the scan.
	 */
	HGM_MAPS_NO_VMFLAGS = 1 << 1,
	HGM_MAPS_NODES = 1 << 2,	/* rows (HGM_MAPS_ROWS) with their NUMA node */
};

struct hgm_maps_ops {
	/** Called per VMA, after its rows, with what was measured; non-zero stops. */
	int (*vma)(const struct hgm_vma *vma, const struct hgm_vma_usage *u, void *arg);
	/**
	 * With HGM_MAPS_ROWS: each present row, first, of a live process or
	 * of a recorded tree that has the process's pagemap; non-zero stops.
	 */
	int (*folio)(const struct hgm_folio *folio, void *arg);
};

/**
 * hgm_maps_walk() - every VMA of @pid with the bytes mapped at each level
 * smaps gives the VMAs and the hugetlb figures; on a live process the page
 * scan measures THP by level (mapped[PTE] where page flags are readable) and
 * tells THP and shmem from anonymous and file memory.  A recorded tree's
 * figures are those of smaps alone; its pagemap (if it has one) gives the
 * rows of HGM_MAPS_ROWS.  Returns 0, what a callback returned, or -errno;
 * on -EBADMSG sets *@bad_line (may be NULL) to the malformed smaps line.
 */
int hgm_maps_walk(const struct hgm_ctx *ctx, pid_t pid, unsigned int flags,
		  const struct hgm_maps_ops *ops, void *arg, unsigned long *bad_line);

/* ---- processes ---------------------------------------------------------------- */

/**
 * hgm_proc_pids() - every process in /proc but the caller, in directory order
 * Returns 0 and sets *@pids (free() it) and *@n, or -errno.
 */
int hgm_proc_pids(const struct hgm_ctx *ctx, pid_t **pids, size_t *n);

/** The command name of @pid into @buf; "?" and -errno when it cannot be read. */
int hgm_proc_comm(const struct hgm_ctx *ctx, pid_t pid, char *buf, size_t size);

/**
 * hgm_proc_kthread() - whether @pid is a kernel thread, which has no memory
 * of its own (no smaps, no pagemap).  Returns 1, 0, or -errno (-ESRCH: no
 * such process).
 */
int hgm_proc_kthread(const struct hgm_ctx *ctx, pid_t pid);

/** Room for hugetlb page sizes, and for folio orders, in struct hgm_proc_usage. */
#define HGM_PROC_MAX_SIZES	4
#define HGM_PROC_MAX_ORDER	16

/** Huge-page use of one process, in bytes.  Size-versioned: each new kind is a member. */
struct hgm_proc_usage {
	size_t size;			/* in: sizeof(struct hgm_proc_usage) */
	uint64_t hugetlb;		/* Shared_Hugetlb + Private_Hugetlb */
	uint64_t thp;			/* AnonHugePages + ShmemPmdMapped + FilePmdMapped */
	uint64_t pte;			/* hugetlb mapped by PTEs (unknown without
					   HugetlbPteMapped: not an HGM kernel) */
	/* since HGM_0.9_PROCS */
	uint64_t hugetlb_mapped[HGM_NR_LEVELS];	/* hugetlb by leaf level: the HGM
					   fields where smaps has them, else the
					   level of each VMA's page size */
	size_t nr_hugetlb_sizes;
	struct {
		uint64_t page_size, bytes;
	} hugetlb_sizes[HGM_PROC_MAX_SIZES];	/* hugetlb per page size, ascending */
	uint64_t hugetlb_nodes;		/* bit N: node N holds some of its hugetlb
					   pages (numa_maps; unknown without it) */
	uint64_t thp_anon;		/* AnonHugePages: anonymous THP mapped by PMDs */
	uint64_t thp_shmem;		/* ShmemPmdMapped */
	uint64_t thp_file;		/* FilePmdMapped: page-cache THP */
	uint64_t thp_pte;		/* THP and mTHP folios mapped by PTEs
					   (HGM_PROC_FOLIOS, else unknown) */
	uint64_t thp_order[HGM_PROC_MAX_ORDER];	/* THP and mTHP bytes by folio
					   order, any level (HGM_PROC_FOLIOS) */
	/* since HGM_0.13_FLEET */
	uint64_t thp_nodes;		/* bit N: node N holds some of its THP
					   (HGM_PROC_THP_NODES: of the PMD-mapped
					   THP; with HGM_PROC_FOLIOS too, of every
					   THP and mTHP folio; unknown otherwise) */
};

/**
 * hgm_proc_usage() - huge-page use of @pid from smaps_rollup (one record),
 * or smaps summed where there is no rollup.  Returns 0 or -errno (-EINVAL: no size).
 */
int hgm_proc_usage(const struct hgm_ctx *ctx, pid_t pid, struct hgm_proc_usage *pu);

enum {
	/*
	 * Also walk the page tables (hgm_scan(), kpageflags): THP and mTHP
	 * mapped by PTEs, and bytes by folio order.  Costs a scan of every
	 * process; a recorded tree, or a caller that may not read page flags,
	 * leaves them unknown.
	 */
	HGM_PROC_FOLIOS = 1 << 0,
	/*
	 * Also the NUMA nodes of its THP (thp_nodes): the kernel is asked
	 * (move_pages) where one page of each THP mapping is.  Without
	 * HGM_PROC_FOLIOS, or where the page flags cannot be read, those are
	 * the PMD-mapped THP, found by PAGEMAP_SCAN of the VMAs that can hold
	 * a PMD; with it, every THP and mTHP folio the page scan finds.  Only
	 * processes with some THP cost a walk; numa_maps cannot tell THP from
	 * base pages, so it is not used for them.
	 */
	HGM_PROC_THP_NODES = 1 << 1,
};

/**
 * hgm_proc_measure() - huge-page use of @pid: hgm_proc_usage() and, where the
 * rollup shows hugetlb memory, smaps and numa_maps for its page sizes, levels
 * and nodes; with HGM_PROC_FOLIOS also the page scan.
 * Returns 0 or -errno (-ESRCH/-ENOENT: the process is gone; -EINVAL: no size).
 */
int hgm_proc_measure(const struct hgm_ctx *ctx, pid_t pid, unsigned int flags,
		     struct hgm_proc_usage *pu);

struct hgm_procs_ops {
	/** Each process that could be read, with its command name; non-zero stops. */
	int (*proc)(pid_t pid, const char *comm, const struct hgm_proc_usage *pu, void *arg);
	/** May be NULL: @pid could not be read (-errno @err); it is counted in *failed. */
	void (*unreadable)(pid_t pid, int err, void *arg);
};

/**
 * hgm_procs_walk() - hgm_proc_measure() of each of the @n processes @pids
 * (NULL: every process in /proc but the caller)
 * Processes that exit meanwhile are skipped; *@failed (may be NULL) counts
 * those that could not be read, *@scanned (may be NULL) those that were there.
 * Returns 0, what ops->proc returned, or -errno (/proc cannot be listed).
 */
int hgm_procs_walk(const struct hgm_ctx *ctx, const pid_t *pids, size_t n, unsigned int flags,
		   const struct hgm_procs_ops *ops, void *arg, unsigned long *failed,
		   unsigned long *scanned);

/**
 * hgm_pagemap_available() - whether @pid has a pagemap to scan (a recorded
 * tree usually has none).  Returns 0 or -errno (-ENOENT: none).
 */
int hgm_pagemap_available(const struct hgm_ctx *ctx, pid_t pid);

/** The path of the running program into @buf. Returns 0 or -errno. */
int hgm_self_exe(char *buf, size_t size);

/** The file of page flags by PFN, for messages. */
#define HGM_KPAGEFLAGS_PATH	"/proc/kpageflags"

/** Returns whether the caller may read /proc/kpageflags (PFN flags). */
bool hgm_kpageflags_readable(const struct hgm_ctx *ctx);

/* ---- cgroup v2: a subtree's processes and its huge-page counters ------------ */

/**
 * hgm_cgroup_mount() - where cgroup v2 is mounted, from /proc/self/mountinfo
 * (the first cgroup2 mount listed), into @buf.  Returns 0, -ENOENT when no
 * cgroup2 file system is mounted, or -errno.
 */
int hgm_cgroup_mount(const struct hgm_ctx *ctx, char *buf, size_t size);

/**
 * hgm_cgroup_resolve() - the directory of cgroup @path into @dir
 * @path: absolute under the cgroup2 mount ("/sys/fs/cgroup/a/b"), or relative
 *	to it, with or without a leading "/" ("a/b", "/a/b" as /proc/PID/cgroup
 *	names it); "" or "/" is the root cgroup
 * @rel: set to the cgroup's own name, "/a/b" ("/" for the root); may be NULL
 * Returns 0; -ENOENT (no cgroup2 mount, or no such cgroup), -EINVAL (a ".."
 * component, or an absolute path outside the mount), -ENAMETOOLONG, or -errno.
 */
int hgm_cgroup_resolve(const struct hgm_ctx *ctx, const char *path, char *dir, size_t size,
		       char *rel, size_t relsize);

/**
 * hgm_cgroup_pids() - the processes of the cgroup at @dir and of every cgroup
 * below it (cgroup.procs of each), ascending, each once.
 * Returns 0 and sets *@pids (free() it) and *@n, or -errno.
 */
int hgm_cgroup_pids(const struct hgm_ctx *ctx, const char *dir, pid_t **pids, size_t *n);

/** One hugetlb page size of a cgroup: its hugetlb.SIZE.* files. */
struct hgm_cgroup_hugetlb {
	uint64_t page_size;
	uint64_t current;		/* hugetlb.SIZE.current: bytes charged */
	uint64_t max;			/* hugetlb.SIZE.max (max_unlimited: "max") */
	uint64_t rsvd_current;		/* hugetlb.SIZE.rsvd.current (or unknown) */
	uint64_t rsvd_max;		/* hugetlb.SIZE.rsvd.max (or unknown) */
	uint64_t events_max;		/* "max" of hugetlb.SIZE.events: allocations
					   refused at the limit, here and below */
	uint64_t events_local_max;	/* the same in hugetlb.SIZE.events.local: here only */
	bool max_unlimited, rsvd_max_unlimited;
};

/** A memory.stat counter. */
struct hgm_cgroup_stat {
	char name[48];
	uint64_t value;
};

/** A cgroup's own huge-page counters (hgm_cgroup_read()); grows at its end. */
struct hgm_cgroup {
	bool hugetlb;			/* the hugetlb controller's files are there */
	size_t nr_hugetlb;
	struct hgm_cgroup_hugetlb *sizes;	/* ascending page size */
	bool memory;			/* memory.stat is there (the memory controller) */
	size_t nr_stats;
	struct hgm_cgroup_stat *stats;	/* the THP counters of memory.stat ("anon_thp",
					   "thp_fault_alloc", ...), in its order */
};

/**
 * hgm_cgroup_read() - the counters of the cgroup at @dir (hgm_cgroup_resolve())
 * A controller that is not enabled there leaves its flag false and no rows.
 * Returns 0 and sets *@cg, or -errno (-ENOENT: no such cgroup).
 */
int hgm_cgroup_read(const struct hgm_ctx *ctx, const char *dir, struct hgm_cgroup **cg);
void hgm_cgroup_free(struct hgm_cgroup *cg);

/**
 * hgm_proc_cgroup() - the cgroup v2 of @pid, as its /proc/PID/cgroup says on
 * the "0::" line ("/a/b", "/" for the root; relative to the caller's cgroup
 * namespace), into @buf.  Returns 0; -ENOENT (no cgroup v2 line: the process
 * is gone, or the file is not there), -ENAMETOOLONG, or -errno.
 */
int hgm_proc_cgroup(const struct hgm_ctx *ctx, pid_t pid, char *buf, size_t size);

/* ---- reverse map: who maps a folio ------------------------------------------ */

/** One mapping of a folio found by hgm_rmap_walk(). */
struct hgm_rmap_hit {
	pid_t pid;
	const char *comm;
	uint64_t start, end;		/* the part of the folio mapped there */
	const struct hgm_folio *f;	/* its row: level, VMA */
};

struct hgm_rmap_ops {
	/** Each mapping; non-zero stops the walk and is returned. */
	int (*hit)(const struct hgm_rmap_hit *h, void *arg);
	/** May be NULL: before process @i of @n (and once with @i == @n at the end). */
	void (*progress)(size_t i, size_t n, unsigned long found, void *arg);
	/** May be NULL: process @pid could not be scanned (-errno @err). */
	void (*unreadable)(pid_t pid, int err, void *arg);
};

/**
 * hgm_rmap_walk() - every mapping of @folio in the @n processes @pids
 * Processes that exit meanwhile are skipped; *@failed counts those that
 * could not be read.  Returns 0 or what ops->hit returned.
 */
int hgm_rmap_walk(const struct hgm_ctx *ctx, const struct hgm_pfn_folio *folio,
		  const pid_t *pids, size_t n, const struct hgm_rmap_ops *ops, void *arg,
		  unsigned long *failed);

/* ---- hugetlb pools -------------------------------------------------------- */

#define HGM_NODE_ALL	(-1)

/** One hugetlb pool: system-wide (node == HGM_NODE_ALL) or one NUMA node. */
struct hgm_pool {
	uint64_t page_size;
	int node;
	uint64_t total, free, surplus;
	uint64_t reserved;	/* system-wide only: unknown for a node */
	uint64_t overcommit;	/* system-wide only: unknown for a node */
};

struct hgm_pools {
	size_t nr;
	struct hgm_pool *pool;	/* sorted by size, then node (system-wide first) */
	size_t nr_nodes;	/* NUMA nodes with a hugepages directory */
};

/**
 * hgm_pools_read() - every hugetlb page size, system-wide and per node
 * Returns 0 and sets *@pools (possibly empty: no hugetlb), or -errno.
 */
int hgm_pools_read(const struct hgm_ctx *ctx, struct hgm_pools **pools);
void hgm_pools_free(struct hgm_pools *pools);

/**
 * hgm_pool_get() - one pool: @page_size on @node (HGM_NODE_ALL: system-wide)
 * Returns 0, or -ENOENT when that size or node does not exist, or -errno.
 */
int hgm_pool_get(const struct hgm_ctx *ctx, uint64_t page_size, int node, struct hgm_pool *pool);

/**
 * hgm_pool_set() - ask the kernel for @count pages of @page_size on @node
 * The kernel may grant fewer: read the pool back to see what it did.
 * Returns 0, or -ENOENT (no such size or node), -EACCES, or -errno.
 */
int hgm_pool_set(const struct hgm_ctx *ctx, uint64_t page_size, int node, uint64_t count);

/**
 * hgm_pool_path() - the nr_hugepages file of pool @page_size on @node, as a
 * path of the live system (never under a context's root): what a write changes.
 * Returns its length, or -ENAMETOOLONG.
 */
int hgm_pool_path(uint64_t page_size, int node, char *buf, size_t size);

/**
 * hgm_pool_check_write() - whether hgm_pool_set() may write pool @page_size on @node
 * Returns 0; -EACCES/-EPERM (needs root), -ENOENT (no such pool), or -EROFS on a
 * recorded tree (a context with a root is never written).
 */
int hgm_pool_check_write(const struct hgm_ctx *ctx, uint64_t page_size, int node);

/**
 * One pool change for hgm_pool_apply().  Counts are persistent pages: what
 * nr_hugepages takes (it reads back as persistent + surplus).  Pages in use
 * when a pool shrinks stay as surplus until they are freed.
 */
struct hgm_pool_change {
	int node;		/* in: HGM_NODE_ALL for the system-wide pool */
	uint64_t requested;	/* in: persistent pages wanted */
	uint64_t previous;	/* out: persistent pages before the first attempt */
	uint64_t current;	/* out: persistent pages before the last attempt */
	uint64_t obtained;	/* out: persistent pages after (unknown: not read back) */
	uint64_t surplus;	/* out: surplus pages after (unknown: not read back) */
	int error;		/* out: -errno of the write or the read-back, or 0 */
	unsigned int attempts;	/* in/out: writes so far (0 on the first call) */
};

/**
 * hgm_pool_apply() - set pools of @page_size per @ch, shrinks before grows,
 * and read each one back.  Call it again with the changes that fell short
 * (after hgm_make_room()) to retry them: previous keeps the first value.
 * Returns how many changes did not land exactly (0: all did), or -errno when
 * a pool could not be read before writing (nothing written).
 */
int hgm_pool_apply(const struct hgm_ctx *ctx, uint64_t page_size, struct hgm_pool_change *ch,
		   size_t n);

/**
 * hgm_pool_predict() - what a write of @count to the nr_hugepages of pool
 * @page_size on @node (HGM_NODE_ALL: system-wide) would leave, as the kernel
 * accounts it (mm/hugetlb.c set_max_huge_pages()): a shrink frees no page
 * that is in use or reserved system-wide and turns the pages it keeps above
 * @count into surplus; a grow turns surplus pages persistent before it
 * allocates.  @pools (from hgm_pools_read()) is updated in place: the
 * system-wide pool, and the node's for a node write (a system-wide write
 * leaves the per-node pools as they were: the kernel picks the nodes).
 * Assumes every page a grow allocates is found.
 * Returns 0, -ENOENT (no such pool) or -EINVAL (no reserved count, or
 * counters that do not add up).
 */
int hgm_pool_predict(struct hgm_pools *pools, uint64_t page_size, int node, uint64_t count);

/**
 * hgm_pool_overcommit_path() - the nr_overcommit_hugepages file of pool
 * @page_size (system-wide only), as a path of the live system.
 * Returns its length, or -ENAMETOOLONG.
 */
int hgm_pool_overcommit_path(uint64_t page_size, char *buf, size_t size);

/**
 * hgm_pool_set_overcommit() - set how many surplus pages of @page_size the
 * kernel may allocate on demand beyond the persistent pool, and read it back
 * into *@obtained.  Returns 0, or -errno of the write or the read.
 */
int hgm_pool_set_overcommit(const struct hgm_ctx *ctx, uint64_t page_size, uint64_t count,
			    uint64_t *obtained);

/** Whether hgm_pool_set_overcommit() may write: as hgm_pool_check_write(). */
int hgm_pool_check_overcommit(const struct hgm_ctx *ctx, uint64_t page_size);

/** The steps of hgm_make_room(), in order. */
enum hgm_room_step { HGM_ROOM_DROP_CACHES, HGM_ROOM_COMPACT, HGM_NR_ROOM_STEPS };

/** Returns the file @step writes ("/proc/sys/vm/drop_caches") and sets *@value to what. */
const char *hgm_room_step(enum hgm_room_step step, uint64_t *value);

/** Whether hgm_make_room() may write its files: 0, -EACCES/-EPERM, or -EROFS (recorded tree). */
int hgm_make_room_check(const struct hgm_ctx *ctx);

/**
 * hgm_make_room() - free memory for hugepages: sync, drop clean page cache and
 * slab (drop_caches = 3), then compact all zones (compact_memory = 1).
 * Returns 0 or the -errno of the first write that failed.
 */
int hgm_make_room(const struct hgm_ctx *ctx);

/* ---- growing a pool for a run, and putting it back: the pool guard -------- */

/**
 * The lock of runs that change hugetlb pools for their own use (flock,
 * exclusive; hgmctl(8), FILES).  The fallback is used where /run/lock is missing.
 */
#define HGM_POOL_LOCK		"/run/lock/hgmctl-host-tests.lock"
#define HGM_POOL_LOCK_FALLBACK	"/tmp/hgmctl-host-tests.lock"

/**
 * hgm_pool_lock() - take HGM_POOL_LOCK
 * A descriptor of the lock file that the caller inherited (`flock FILE CMD`,
 * a test that holds it) is used as it is: its lock is the caller's already.
 * With @wait false, returns -EWOULDBLOCK when another process holds it.
 * Returns a close-on-exec descriptor that holds the lock, or -errno.
 */
int hgm_pool_lock(bool wait);

/** Memory that a new allocation may take, in bytes. */
struct hgm_mem_room {
	uint64_t total;		/* MemTotal of the system (or node) */
	uint64_t available;	/* MemAvailable (a node: its MemFree) */
	uint64_t margin;	/* to keep free: 1/16 of total, at least 64 MiB */
};

/**
 * hgm_mem_room() - MemTotal, MemAvailable and the margin to keep free, of the
 * system (@node HGM_NODE_ALL, /proc/meminfo) or one node (its meminfo).
 * Returns 0 or -errno.
 */
int hgm_mem_room(const struct hgm_ctx *ctx, int node, struct hgm_mem_room *room);

/** Whether @bytes can be taken from @room and leave its margin free. */
static inline bool hgm_mem_fits(const struct hgm_mem_room *room, uint64_t bytes)
{
	return room->available >= room->margin && bytes <= room->available - room->margin;
}

/**
 * A pool guard: a process, forked by hgm_guard_start(), that makes the pool
 * changes of its parent and records them (per page size and node), and puts
 * them back when the parent asks, or when the parent goes away for any reason
 * (exit, a usage error, SIGPIPE, SIGKILL): it watches a pidfd of the parent.
 * Processes given to hgm_guard_watch() are killed, and waited for, first.
 * It ignores the terminal's signals (its own process group), keeps standard
 * error open until it is done (a caller reading it to the end knows), never
 * writes anything, and holds the lock it is given.
 */
struct hgm_guard;

/** What hgm_guard_grow() did, or why not. */
struct hgm_guard_grant {
	uint64_t added;		/* pages added to the pool by this call */
	uint64_t free;		/* free (unreserved) pages of the pool after */
	uint64_t want;		/* bytes the growth (and @extra) would take */
	struct hgm_mem_room room;	/* the memory it was checked against */
};

/** Forks a guard on the live system; @lock_fd (or -1) stays open in it. Returns 0 or -errno. */
int hgm_guard_start(const struct hgm_ctx *ctx, int lock_fd, struct hgm_guard **guard);

/**
 * hgm_guard_grow() - grow the pool of @page_size on @node (HGM_NODE_ALL: the
 * system's) until @need pages are free, through the guard.  Nothing changes
 * unless the pages to add, and @extra bytes the caller will allocate besides,
 * fit hgm_mem_room() of @node (-ENOMEM then, with @res->want and @res->room).
 * The kernel may grant fewer: compare @res->free with @need.
 * Returns 0 or -errno (-EPIPE: the guard is gone).
 */
int hgm_guard_grow(struct hgm_guard *guard, uint64_t page_size, int node, uint64_t need,
		   uint64_t extra, struct hgm_guard_grant *res);

/** Has the guard kill @pid (a child of the caller) before it puts pools back; 0 or -errno. */
int hgm_guard_watch(struct hgm_guard *guard, pid_t pid);

/**
 * hgm_guard_restore() - kill the watched processes, then take back every page
 * the guard added.  *@left: pages it could not give back (the kernel keeps
 * pages in use as surplus and frees them when they are released).
 * Returns 0 or -errno.
 */
int hgm_guard_restore(struct hgm_guard *guard, uint64_t *left);

/** Restores what is left, ends the guard and waits for it; frees @guard. Returns 0 or -errno. */
int hgm_guard_end(struct hgm_guard *guard);

/* ---- THP / mTHP settings -------------------------------------------------- */

#define HGM_SETTING_MAX 32

struct hgm_thp_size {
	uint64_t size;
	char enabled[HGM_SETTING_MAX];		/* selected value: "inherit", "never", ... */
	char shmem_enabled[HGM_SETTING_MAX];	/* "" when the kernel has none */
};

struct hgm_thp {
	bool available;				/* /sys/kernel/mm/transparent_hugepage exists */
	char enabled[HGM_SETTING_MAX];
	char defrag[HGM_SETTING_MAX];
	char shmem_enabled[HGM_SETTING_MAX];
	uint64_t pmd_size;
	int use_zero_page;			/* or unknown */
	int khugepaged_defrag;			/* or unknown */
	int64_t max_ptes_none;			/* or unknown */
	int64_t pages_to_scan;			/* or unknown */
	int64_t scan_sleep_ms;			/* or unknown */
	int64_t pages_collapsed;		/* or unknown */
	int64_t full_scans;			/* or unknown */
	size_t nr_sizes;
	struct hgm_thp_size *sizes;		/* mTHP sizes, ascending */
	/* since HGM_0.8: the rest of khugepaged's settings */
	int64_t max_ptes_swap;			/* or unknown */
	int64_t max_ptes_shared;		/* or unknown */
	int64_t alloc_sleep_ms;			/* or unknown */
};

/** Reads THP and mTHP settings. Returns 0 (available may be false) or -errno. */
int hgm_thp_read(const struct hgm_ctx *ctx, struct hgm_thp **thp);
void hgm_thp_free(struct hgm_thp *thp);

/** Returns the PMD leaf size from sysfs, or the x86_64 value (2 MiB) without THP. */
uint64_t hgm_thp_pmd_size(const struct hgm_ctx *ctx);

/*
 * THP settings are named by their file under /sys/kernel/mm/transparent_hugepage:
 * "enabled", "defrag", "shmem_enabled", "hugepages-64kB/enabled",
 * "hugepages-64kB/shmem_enabled", "khugepaged/pages_to_scan", ...
 */

/**
 * hgm_thp_setting_path() - the live path of THP setting @name (never under a
 * context's root): what a write changes.  Returns its length, -EINVAL for a
 * name that leaves the directory, or -ENAMETOOLONG.
 */
int hgm_thp_setting_path(const char *name, char *buf, size_t size);

/**
 * hgm_thp_setting_read() - the value of THP setting @name: its selected word
 * ("madvise") or number into @value, and into @choices the file as the kernel
 * writes it ("always [madvise] never"; a number for a number).
 * Returns 0, -ENOENT (no such setting), -EINVAL (bad name) or -errno.
 */
int hgm_thp_setting_read(const struct hgm_ctx *ctx, const char *name, char *value, size_t vsize,
			 char *choices, size_t csize);

/**
 * hgm_thp_setting_check() - whether @value may be written to THP setting
 * @name, checked before anything is written: one of the words of the file, or
 * a decimal number in the range the kernel takes (max_ptes_* up to a PMD's
 * pages less one, pages_to_scan from 1, defrag and use_zero_page 0 or 1).
 * On -EINVAL, @allowed says what is: the file ("always [madvise] never") or "0 to 511".
 * Returns 0, -EINVAL, -ENOENT (no such setting), -EROFS (a counter, read-only)
 * or -errno.
 */
int hgm_thp_setting_check(const struct hgm_ctx *ctx, const char *name, const char *value,
			  char *allowed, size_t size);

/**
 * hgm_thp_check_write() - whether hgm_thp_apply() may write THP setting @name
 * Returns 0; -EACCES/-EPERM (needs root), -ENOENT, or -EROFS on a recorded tree.
 */
int hgm_thp_check_write(const struct hgm_ctx *ctx, const char *name);

/** One THP setting to change, for hgm_thp_apply(). */
struct hgm_thp_change {
	const char *name;		/* in: the setting, as above */
	const char *value;		/* in: the word or number to write */
	char previous[HGM_SETTING_MAX];	/* out: the value before ("" unknown) */
	char obtained[HGM_SETTING_MAX];	/* out: the value read back after ("" unknown) */
	int error;			/* out: -errno of the write, -EIO when the value read
					 * back is not the one written, or 0 */
	bool written;			/* out: the kernel took the write */
	bool restored;			/* out: put back to previous after a later one failed */
	int restore_error;		/* out: -errno of putting it back, or 0 */
};

/**
 * hgm_thp_apply() - write @n THP settings in order, reading each back; when
 * one fails, put back those written before it (last first) and stop there.
 * Returns 0 (all landed), or the -errno of the change that failed.
 */
int hgm_thp_apply(const struct hgm_ctx *ctx, struct hgm_thp_change *ch, size_t n);

/* ---- THP event counters ---------------------------------------------------- */

/**
 * THP events since boot (/proc/vmstat, mTHP sysfs stats); unknown where the
 * kernel has none.  Size-versioned: every kernel adds counters.
 */
struct hgm_thp_counters {
	size_t size;			/* in: sizeof(struct hgm_thp_counters) */
	int64_t fault_alloc;		/* thp_fault_alloc: PMD THPs allocated on fault */
	int64_t fault_fallback;		/* thp_fault_fallback */
	int64_t collapse_alloc;		/* thp_collapse_alloc: khugepaged/MADV_COLLAPSE */
	int64_t split_page;		/* thp_split_page */
	int64_t split_pmd;		/* thp_split_pmd: PMD mappings split to PTEs */
	int64_t deferred_split;		/* thp_deferred_split_page */
	int64_t mthp_fault_alloc;	/* anon_fault_alloc summed over mTHP sizes below PMD */
};

/** Reads the counters; missing files leave them unknown. Returns 0 or -errno (-EINVAL: no size). */
int hgm_thp_counters_read(const struct hgm_ctx *ctx, struct hgm_thp_counters *c);

/** One file of an mTHP size's stats/ directory. */
struct hgm_thp_stat {
	char name[48];			/* the file's name: "anon_fault_alloc" */
	uint64_t value;
	bool gauge;			/* a count now ("nr_anon": folios of the
					   size), not events since boot */
};

/** The stats of one mTHP size (PMD size included), as the kernel lists them. */
struct hgm_thp_size_stats {
	uint64_t size;			/* folio size in bytes */
	size_t nr;
	struct hgm_thp_stat *stat;	/* sorted by name */
};

struct hgm_thp_stats {
	size_t nr;
	struct hgm_thp_size_stats *sizes;	/* ascending size; only sizes with stats */
};

/**
 * hgm_thp_stats_read() - every readable file of
 * /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/stats, each size
 * (Linux 6.9): whichever counters the kernel has, since each release adds some.
 * A file that cannot be read is left out.  Returns 0 and sets *@stats
 * (empty without THP or stats), or -errno; -EBADMSG for a value that is no number.
 */
int hgm_thp_stats_read(const struct hgm_ctx *ctx, struct hgm_thp_stats **stats);
void hgm_thp_stats_free(struct hgm_thp_stats *stats);

/* ---- kernel features -------------------------------------------------------- */

enum hgm_feature {
	HGM_FEAT_HGM,			/* UFFD_FEATURE_MINOR_HUGETLBFS_HGM */
	HGM_FEAT_MADV_SPLIT,		/* MADV_SPLIT (HGM without userfaultfd) */
	HGM_FEAT_MADV_COLLAPSE,
	HGM_FEAT_PROCESS_MADVISE,
	HGM_FEAT_PAGEMAP_SCAN,
	HGM_FEAT_PROCMAP_QUERY,
	HGM_FEAT_USERFAULTFD,
	HGM_FEAT_HUGETLB,
	HGM_FEAT_THP,
	HGM_FEAT_KPAGEFLAGS,
	HGM_NR_FEATURES
};

/** What the kernel offers.  Size-versioned: each new probe is a new member. */
struct hgm_features {
	size_t size;			/* in: sizeof(struct hgm_features) */
	char release[128];		/* uname -r (or the recorded osrelease) */
	bool probed;			/* false on a recorded tree: the syscalls were not
					   tried, have holds only what the files show */
	uint64_t have;			/* bit hgm_feature set: present (up to 64 features) */
	uint64_t uffd_features;		/* UFFDIO_API features (unknown: no UFFDIO_API) */
	uint64_t uffd_ioctls;		/* UFFDIO_API ioctls (unknown: no UFFDIO_API) */
	int uffd_errno;			/* why userfaultfd could not be opened, 0 if it was */
};

/** Probes the running kernel (on a live context). Returns 0 or -errno (-EINVAL: no size). */
int hgm_features_probe(const struct hgm_ctx *ctx, struct hgm_features *f);

static inline bool hgm_has(const struct hgm_features *f, enum hgm_feature x)
{
	return f->have & (UINT64_C(1) << x);
}

/** Returns the feature's name ("madv_collapse"). */
const char *hgm_feature_name(enum hgm_feature x);

/** Returns the name of userfaultfd feature bit @bit ("minor_hugetlbfs_hgm"), or NULL. */
const char *hgm_uffd_feature_name(unsigned int bit);

/* ---- capabilities ----------------------------------------------------------- */

enum hgm_cap { HGM_CAP_SYS_ADMIN, HGM_CAP_SYS_PTRACE, HGM_CAP_SYS_NICE, HGM_NR_CAPS };

/** The caller's effective capabilities among enum hgm_cap, a bit each (up to 64). */
struct hgm_caps {
	uint64_t have;			/* bit hgm_cap set: in the effective set */
};

static inline bool hgm_cap_has(const struct hgm_caps *caps, enum hgm_cap c)
{
	return caps->have & (UINT64_C(1) << c);
}

/** Reads the caller's effective capabilities. Returns 0 or -errno. */
int hgm_caps_read(struct hgm_caps *caps);
/** Returns "CAP_SYS_ADMIN" etc. */
const char *hgm_cap_name(enum hgm_cap c);
/** Returns what a caller without @c cannot see or do, one sentence. */
const char *hgm_cap_hides(enum hgm_cap c);

/*
 * Why the caller may not read another process's smaps or pagemap (the
 * kernel's ptrace read check, PTRACE_MODE_READ_FSCREDS), as far as what is
 * world-readable in /proc tells.
 */
enum hgm_access_why {
	HGM_ACCESS_UNKNOWN,	/* nothing visible explains it */
	HGM_ACCESS_OTHER_USER,	/* another user's or group's process; no CAP_SYS_PTRACE */
	HGM_ACCESS_NOT_DUMPABLE,/* the caller's own user, but not dumpable; no CAP_SYS_PTRACE */
	HGM_ACCESS_MORE_CAPS,	/* it holds capabilities the caller lacks; no CAP_SYS_PTRACE */
	HGM_ACCESS_USERNS,	/* the caller is in a user namespace other than the initial one */
	HGM_ACCESS_LSM,		/* CAP_SYS_PTRACE in the initial namespace: a security module */
};

struct hgm_access {
	enum hgm_access_why why;
	uid_t uid;		/* the process's real user ID */
	uid_t caller_uid;	/* the caller's effective (file system) user ID */
	bool caller_ptrace;	/* the caller has CAP_SYS_PTRACE in its effective set */
	char caps[128];		/* MORE_CAPS: those it holds and the caller lacks ("cap_sys_admin,...") */
	char lsm[128];		/* LSM: the active modules (/sys/kernel/security/lsm), or "" */
};

/**
 * hgm_access_explain() - why reading @pid's memory maps was refused
 * Returns 0 and fills *@a, -EOPNOTSUPP for a recorded tree (its caller is
 * not this one), or -errno (-ESRCH: no such process).
 */
int hgm_access_explain(const struct hgm_ctx *ctx, pid_t pid, struct hgm_access *a);

/* ---- MADV_COLLAPSE, pidfds, GUP test ---------------------------------------- */

/**
 * hgm_pidfd_open() - a pidfd for @pid (pidfd_open(2))
 * Returns the descriptor, or -errno (-ESRCH: no such process).
 */
int hgm_pidfd_open(pid_t pid);

/**
 * hgm_pidfd_alive() - whether the process of @pidfd has not been reaped yet
 * A PID read from /proc is safe to trust if this returns 0 after the read.
 * Returns 0, or -ESRCH when it is gone, or -errno.
 */
int hgm_pidfd_alive(int pidfd);

/**
 * hgm_collapse() - MADV_COLLAPSE on [@start, @start + @len)
 * @pidfd: the target process (process_madvise), or -1 for the caller (madvise)
 * The range must be page-aligned and should lie in one VMA, so that its
 * result is its own.  Returns 0, or -errno as the kernel gave it: -EINVAL
 * (not eligible), -EAGAIN, -ENOMEM (no memory, or not mapped), -EPERM (no
 * CAP_SYS_NICE for another process), -EACCES (no ptrace read access),
 * -ESRCH (the process is gone).
 */
int hgm_collapse(int pidfd, uint64_t start, uint64_t len);

/** What a range maps, in bytes, by level. */
struct hgm_levels {
	uint64_t mapped[HGM_NR_LEVELS];	/* huge folios (hugetlb, THP, mTHP) by leaf level */
	uint64_t base;			/* base pages (order 0, zero, KSM) */
};

/**
 * hgm_range_levels() - bytes of [@start, @end) of @pid mapped at each level
 * The scanner's rows, summed: PUD and PMD leaves, huge folios mapped by PTEs
 * (as `maps` counts them), and base pages.  Without kpageflags, PTE-mapped
 * pages cannot be told apart: mapped[PTE] and base are HGM_UNKNOWN.
 * Returns 0, or -errno as hgm_scan() does.
 */
int hgm_range_levels(const struct hgm_ctx *ctx, pid_t pid, uint64_t start, uint64_t end,
		     struct hgm_levels *lv);

enum {
	HGM_COLLAPSE_MEASURE_ONLY = 1 << 0,	/* measure before, do not call (a dry run) */
};

/** What hgm_collapse_pid() did to one range.  Size-versioned. */
struct hgm_collapse_result {
	size_t size;			/* in: sizeof(struct hgm_collapse_result) */
	bool called;			/* MADV_COLLAPSE was called */
	int error;			/* its result: 0 or -errno, as hgm_collapse() */
	struct hgm_levels before;	/* the range before the call; every member
					   unknown when it could not be measured */
	struct hgm_levels after;	/* after it; unknown when not called, when the
					   error holds for the whole process (-EPERM,
					   -EACCES, -ESRCH), or not measurable */
};

/**
 * hgm_collapse_pid() - MADV_COLLAPSE on [@start, @end) of @pid, measured
 * before and after as hgm_range_levels() measures
 * @pidfd: from hgm_pidfd_open(@pid), or -1 when @pid is the caller (madvise);
 *	a measurement counts only if the pidfd's process is still alive after it
 * @flags: HGM_COLLAPSE_MEASURE_ONLY to measure without calling
 * The range should lie in one VMA, so that its result is its own.
 * Returns r->error (0 also when not called), or -EINVAL before doing
 * anything (an empty range, r->size not set).
 */
int hgm_collapse_pid(const struct hgm_ctx *ctx, pid_t pid, int pidfd, uint64_t start,
		     uint64_t end, unsigned int flags, struct hgm_collapse_result *r);

/** The get/pin paths of the kernel's gup_test (CONFIG_GUP_TEST). */
enum hgm_gup_op {
	HGM_GUP_GET_FAST,	/* get_user_pages_fast() */
	HGM_GUP_PIN_FAST,	/* pin_user_pages_fast() */
	HGM_GUP_GET,		/* get_user_pages(): the slow path, under mmap_lock */
	HGM_GUP_PIN,		/* pin_user_pages() */
	HGM_GUP_PIN_LONGTERM,	/* pin_user_pages(FOLL_LONGTERM) */
	HGM_NR_GUP_OPS
};

/** Returns "get_fast", "pin_fast", "get", "pin" or "pin_longterm". */
const char *hgm_gup_op_name(enum hgm_gup_op op);

struct hgm_gup_result {
	uint64_t get_usec;	/* all the get/pin calls */
	uint64_t put_usec;	/* all the put/unpin calls */
	uint64_t size;		/* bytes covered: less than asked if the kernel stopped */
};

/**
 * hgm_gup_test_open() - open /sys/kernel/debug/gup_test
 * Returns the descriptor, or -ENODEV (debugfs is not mounted), -ENOENT (the
 * kernel has no CONFIG_GUP_TEST), -EACCES, or -errno.
 */
int hgm_gup_test_open(const struct hgm_ctx *ctx);

/**
 * hgm_gup_test_run() - @op on the caller's [@addr, @addr + @size),
 * @pages_per_call pages per call, for writing if @write
 * Returns 0 and fills @r, or -errno from the kernel.
 */
int hgm_gup_test_run(int fd, enum hgm_gup_op op, void *addr, uint64_t size,
		     unsigned int pages_per_call, bool write, struct hgm_gup_result *r);

/**
 * hgm_map_pieces() - map the caller's MAP_SHARED hugetlb range [@addr, @addr + @len)
 * in pieces of @piece bytes (HGM: kernel/uapi/linux/hgm.h, kernel/HGM.md)
 * The hugetlb pages must be in the page cache already (written through
 * another mapping) and not mapped in this one.  Registers a minor-fault
 * userfaultfd with UFFD_FEATURE_MINOR_HUGETLBFS_HGM (which enables HGM on the
 * VMA) and maps each piece with UFFDIO_CONTINUE.
 * Returns 0, -EOPNOTSUPP when the kernel has no HGM, or -errno.
 */
int hgm_map_pieces(void *addr, uint64_t len, uint64_t piece);

/* ---- userfaultfd ------------------------------------------------------------ */

/** The ways a process may get a userfaultfd. */
enum hgm_uffd_way {
	HGM_UFFD_SYSCALL,		/* userfaultfd(2): user- and kernel-mode faults */
	HGM_UFFD_USER_MODE_ONLY,	/* userfaultfd(UFFD_USER_MODE_ONLY): user-mode faults */
	HGM_UFFD_DEV,			/* ioctl(USERFAULTFD_IOC_NEW) on /dev/userfaultfd */
	HGM_UFFD_NR_WAYS
};

/** Returns "syscall", "user_mode_only" or "dev_userfaultfd". */
const char *hgm_uffd_way_name(enum hgm_uffd_way w);

/** Returns the name of UFFDIO ioctl bit @bit ("continue", "api"), or NULL. */
const char *hgm_uffd_ioctl_name(unsigned int bit);

/** Room for the ways of enum hgm_uffd_way, those of newer libraries included. */
#define HGM_UFFD_MAX_WAYS	8

/** What userfaultfd this kernel and this caller have.  Size-versioned. */
struct hgm_uffd_info {
	size_t size;			/* in: sizeof(struct hgm_uffd_info) */
	int unprivileged;		/* vm.unprivileged_userfaultfd */
	bool dev_exists;		/* /dev/userfaultfd is there */
	bool probed;			/* false on a recorded tree: only the above is known */
	int error[HGM_UFFD_MAX_WAYS];	/* by hgm_uffd_way: 0 this way opened a
					   userfaultfd, else errno; unknown: not tried */
	int api_errno;			/* why UFFDIO_API failed, 0 if it answered */
	uint64_t features;		/* UFFD_FEATURE_* the kernel offers (unknown:
					   UFFDIO_API answered on no way) */
	uint64_t ioctls;		/* 1 << _UFFDIO_* usable on the context (likewise) */
};

/**
 * hgm_uffd_probe() - open a userfaultfd each way, and ask UFFDIO_API what it offers
 * Returns 0; -EOPNOTSUPP on a recorded tree (only the sysctl and the device
 * node are filled in), or -errno.
 */
int hgm_uffd_probe(const struct hgm_ctx *ctx, struct hgm_uffd_info *info);

/**
 * hgm_uffd_open() - a non-blocking userfaultfd with @features enabled
 * @offered: set to what the kernel offers (may be NULL)
 * @how: set to the way it was opened (may be NULL)
 * Returns the fd, or -errno: -EOPNOTSUPP when the kernel does not offer every
 * one of @features (compare with *@offered), -EPERM when the caller may not.
 */
int hgm_uffd_open(uint64_t features, uint64_t *offered, enum hgm_uffd_way *how);

/** Registers [@addr, +@len) for minor faults. Returns 0 or -errno; sets *@ioctls. */
int hgm_uffd_register_minor(int fd, void *addr, size_t len, uint64_t *ioctls);

/**
 * hgm_uffd_continue() - map [@addr, +@len) from the page cache and wake its faulters
 * Returns 0, or -errno: -EEXIST when some of it was mapped already (nobody
 * was woken: see hgm_uffd_wake()), -EINVAL for a range the VMA cannot map
 * at that granularity.
 */
int hgm_uffd_continue(int fd, void *addr, size_t len);

/** Wakes threads waiting on faults in [@addr, +@len). Returns 0 or -errno. */
int hgm_uffd_wake(int fd, void *addr, size_t len);

/** One page-fault event. */
struct hgm_uffd_fault {
	uint64_t addr;		/* exact with UFFD_FEATURE_EXACT_ADDRESS, else page-aligned */
	uint64_t flags;		/* UFFD_PAGEFAULT_FLAG_* */
	uint32_t tid;		/* faulting thread, with UFFD_FEATURE_THREAD_ID */
};

/**
 * hgm_uffd_read_faults() - wait up to @timeout_ms for fault events, read up to @n
 * Returns the number of faults read (0 on timeout or a signal), or -errno;
 * -EPIPE when the context is gone.  Events other than page faults are skipped.
 */
int hgm_uffd_read_faults(int fd, struct hgm_uffd_fault *faults, size_t n, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* HGM_H */
