// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * scan.c - the page scanner: which folio backs each mapped range, at which level
 *
 * Per VMA, PAGEMAP_SCAN reports runs of pages with the same categories
 * (present, huge leaf, file, swapped); without the ioctl, /proc/PID/pagemap is
 * read in large batches instead.  A huge leaf costs one pagemap entry and one
 * kpageflags/kpagecount entry.  PTE-mapped runs need every PFN (to see where
 * folios start and end), and kpageflags is read once per run of contiguous
 * PFNs, in one pread.  Rows stream to callbacks: memory use is fixed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kernel-page-flags.h>
#include <numa.h>
#include <numaif.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hgm-private.h"

#define PM_PFN_MASK	((UINT64_C(1) << 55) - 1)
#define PM_SOFT_DIRTY	(UINT64_C(1) << 55)
#define PM_EXCLUSIVE	(UINT64_C(1) << 56)
#define PM_UFFD_WP	(UINT64_C(1) << 57)
#define PM_FILE		(UINT64_C(1) << 61)
#define PM_SWAP		(UINT64_C(1) << 62)
#define PM_PRESENT	(UINT64_C(1) << 63)

#define NR_REGIONS	1024		/* PAGEMAP_SCAN results per call */
#define PM_BATCH	65536		/* pagemap entries per pread (512 KiB) */
#define MAX_FOLIO_PAGES	512		/* largest non-hugetlb folio looked for */
#define NODE_BATCH	1024		/* rows held back for one move_pages call */

static ssize_t read_entries(int fd, uint64_t idx, uint64_t *buf, size_t n);

/*
 * Opens a file of 64-bit entries (pagemap, kpageflags, kpagecount).  The live
 * files have no size; a recorded one whose size is not a whole number of
 * entries is refused.  Returns the fd or -errno.
 */
static int open_entries(const struct hgm_ctx *ctx, const char *path)
{
	int fd = hgm_ctx_open(ctx, path, O_RDONLY);
	struct stat st;

	if (fd < 0 || hgm_ctx_is_live(ctx))
		return fd;
	if (fstat(fd, &st) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	if (st.st_size % 8) {
		close(fd);
		return hgm_ctx_fail(ctx, path, "size %lld is not a multiple of 8 (64-bit entries)",
				    (long long)st.st_size);
	}
	return fd;
}

static const char *const folio_kind_names[] = {
	[HGM_FOLIO_UNKNOWN] = "unknown", [HGM_FOLIO_BASE] = "base",
	[HGM_FOLIO_THP] = "thp", [HGM_FOLIO_MTHP] = "mthp",
	[HGM_FOLIO_HUGETLB] = "hugetlb", [HGM_FOLIO_ZERO] = "zero",
	[HGM_FOLIO_KSM] = "ksm", [HGM_FOLIO_SWAPPED] = "swapped",
	[HGM_FOLIO_DAX] = "dax",
};

HGM_EXPORT const char *hgm_folio_kind_name(enum hgm_folio_kind k)
{
	return k < ARRAY_SIZE(folio_kind_names) ? folio_kind_names[k] : "unknown";
}

static const char *const kpf_names[] = {
	[KPF_LOCKED] = "locked", [KPF_ERROR] = "error", [KPF_REFERENCED] = "referenced",
	[KPF_UPTODATE] = "uptodate", [KPF_DIRTY] = "dirty", [KPF_LRU] = "lru",
	[KPF_ACTIVE] = "active", [KPF_SLAB] = "slab", [KPF_WRITEBACK] = "writeback",
	[KPF_RECLAIM] = "reclaim", [KPF_BUDDY] = "buddy", [KPF_MMAP] = "mmap",
	[KPF_ANON] = "anon", [KPF_SWAPCACHE] = "swapcache", [KPF_SWAPBACKED] = "swapbacked",
	[KPF_COMPOUND_HEAD] = "compound_head", [KPF_COMPOUND_TAIL] = "compound_tail",
	[KPF_HUGE] = "huge", [KPF_UNEVICTABLE] = "unevictable", [KPF_HWPOISON] = "hwpoison",
	[KPF_NOPAGE] = "nopage", [KPF_KSM] = "ksm", [KPF_THP] = "thp",
	[KPF_OFFLINE] = "offline", [KPF_ZERO_PAGE] = "zero_page", [KPF_IDLE] = "idle",
	[KPF_PGTABLE] = "pgtable",
};

HGM_EXPORT const char *hgm_kpf_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(kpf_names) ? kpf_names[bit] : NULL;
}

HGM_EXPORT int hgm_vma_nth(const struct hgm_ctx *ctx, pid_t pid, long n, struct hgm_vma *vma)
{
	struct hgm_smaps *sm;
	long i = 0;
	int ret;

	ret = hgm_smaps_open(ctx, pid, &sm);
	if (ret)
		return ret;
	while ((ret = hgm_smaps_next(sm, vma)) > 0 && i++ < n)
		;
	hgm_smaps_free(sm);
	return ret < 0 ? ret : ret == 0 ? -ENOENT : 0;
}

/*
 * One PAGEMAP_SCAN walk of all of @pid's memory, with the categories the
 * scanner asks for (scan_vma()); with @pfns also the pagemap entries of the
 * present pages no huge leaf maps, in batches.  Returns the regions, or the
 * entries read with @pfns, or -errno.
 */
static long pagemap_floor(const struct hgm_ctx *ctx, pid_t pid, bool pfns)
{
	static struct page_region vec[4096];
	static uint64_t pme[PM_BATCH];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = 0,
		.end = (UINT64_C(1) << 47) - 4096,	/* x86_64 TASK_SIZE (4-level) */
		.vec = (uintptr_t)vec,
		.vec_len = ARRAY_SIZE(vec),
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_HUGE,
	};
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	char path[64];
	long total = 0, entries = 0, i;
	int fd;

	hgm_proc_path(path, sizeof(path), pid, "pagemap");
	fd = hgm_ctx_open(ctx, path, O_RDONLY);
	if (fd < 0)
		return fd == -ENOENT ? -ESRCH : fd;
	for (;;) {
		long n = ioctl(fd, PAGEMAP_SCAN, &arg);

		if (n < 0) {
			total = -errno;
			break;
		}
		total += n;
		for (i = 0; pfns && i < n; i++) {
			uint64_t a = vec[i].start / page, e = vec[i].end / page;

			if (!(vec[i].categories & PAGE_IS_PRESENT) ||
			    (vec[i].categories & PAGE_IS_HUGE))
				continue;
			while (a < e && total >= 0) {
				size_t k = e - a < PM_BATCH ? e - a : PM_BATCH;
				ssize_t r = read_entries(fd, a, pme, k);

				if (r <= 0)
					total = r < 0 ? r : -ESRCH;
				entries += r;
				a += k;
			}
		}
		if (total < 0 || arg.walk_end >= arg.end || arg.walk_end <= arg.start)
			break;
		arg.start = arg.walk_end;
	}
	close(fd);
	return total < 0 || !pfns ? total : entries;
}

HGM_EXPORT long hgm_pagemap_walk(const struct hgm_ctx *ctx, pid_t pid)
{
	return pagemap_floor(ctx, pid, false);
}

HGM_EXPORT long hgm_pagemap_walk_pfns(const struct hgm_ctx *ctx, pid_t pid)
{
	return pagemap_floor(ctx, pid, true);
}

/*
 * The head of the folio whose tail is at @pfn: the last non-tail PFN before
 * it, looked for at most @limit pages back, in buffered reads.  Sets *@head
 * (to @pfn when none was found within @limit) and *@head_kf, returns 0 or
 * -errno (-ENXIO: beyond the end of kpageflags).
 */
static int find_head(int kflags_fd, uint64_t pfn, uint64_t limit, uint64_t *head,
		     uint64_t *head_kf)
{
	const uint64_t tail = UINT64_C(1) << KPF_COMPOUND_TAIL;
	uint64_t buf[MAX_FOLIO_PAGES], at = pfn, low = pfn > limit ? pfn - limit : 0;

	while (at > low) {
		uint64_t from = at - low > ARRAY_SIZE(buf) ? at - ARRAY_SIZE(buf) : low;
		ssize_t r = read_entries(kflags_fd, from, buf, at - from), k;

		if (r <= 0)
			return r < 0 ? (int)r : -ENXIO;
		for (k = r - 1; k >= 0 && (buf[k] & tail); k--)
			;
		if (k >= 0) {
			*head = from + (uint64_t)k;
			*head_kf = buf[k];
			return 0;
		}
		at = from;
	}
	*head = pfn;
	return 0;
}

HGM_EXPORT int hgm_pfn_folio(const struct hgm_ctx *ctx, uint64_t pfn, struct hgm_pfn_folio *out)
{
	const uint64_t tail = UINT64_C(1) << KPF_COMPOUND_TAIL;
	const uint64_t headf = UINT64_C(1) << KPF_COMPOUND_HEAD;
	uint64_t buf[1024], head = pfn, kf, n = 1;
	int fd, ret = 0;
	ssize_t r;

	fd = open_entries(ctx, "/proc/kpageflags");
	if (fd < 0)
		return fd;
	if ((r = read_entries(fd, pfn, &kf, 1)) != 1) {
		ret = r < 0 ? (int)r : -ENXIO;
		goto out;
	}
	/* back to the head (a 1 GiB folio has 262143 tails) */
	if (kf & tail && (ret = find_head(fd, pfn, pfn, &head, &kf)))
		goto out;
	/* forward over the tails to the end */
	if (kf & headf) {
		for (;;) {
			ssize_t k;

			r = read_entries(fd, head + n, buf, ARRAY_SIZE(buf));
			if (r <= 0)
				break;
			for (k = 0; k < r && (buf[k] & tail); k++)
				;
			n += (uint64_t)k;
			if (k < r)
				break;
		}
	}
	out->head = head;
	out->order = (unsigned int)(63 - __builtin_clzll(n));
	out->kflags = kf;
	out->hugetlb = kf & (UINT64_C(1) << KPF_HUGE);
out:
	close(fd);
	return ret;
}

struct scan {
	pid_t pid;
	unsigned int flags;
	const struct hgm_scan_ops *ops;
	void *arg;
	int pagemap, kflags_fd, kcount_fd;	/* -1 where unavailable */
	bool use_ioctl;
	bool live;				/* the live system, not a recorded tree */
	bool kcount_fd_wanted;			/* mapcounts asked for */
	uint64_t kpf_drop;			/* KPF bits this kernel gets wrong */
	uint64_t page, pmd_size;
	struct hgm_vma *vma;
	bool hgm_vma;				/* HGM enabled on this hugetlb VMA */
	uint64_t from, to;			/* rows are clipped to [from, to) */
	uint64_t left[HGM_NR_LEVELS];		/* HGM VMA: bytes smaps counts at each level
						   that no row took yet (unknown: no limit) */
	bool dax_vma;				/* DAX: no page flags behind its PFNs */
	struct hgm_dax_probe *dax;		/* tells DAX VMAs */
	struct hgm_smaps *sm;			/* VMAs from smaps, or */
	int maps_fd;				/* from PROCMAP_QUERY on maps (-1: not) */
	uint64_t next_vma;			/* where PROCMAP_QUERY goes on */
	struct page_region regions[NR_REGIONS];
	uint64_t pme[PM_BATCH];
	uint64_t kf[64];			/* flags of base pages, in batches */
	/*
	 * The folio found last, for the next rows that fall in it: the rest
	 * of a run, and the next VMA when a folio is cut by VMA boundaries.
	 */
	uint64_t fol_head, fol_hkf;
	unsigned int fol_order;
	bool have_fol;
	/* rows waiting for their NUMA node */
	struct hgm_folio pending[NODE_BATCH];
	unsigned int npending;
};

static int flush_rows(struct scan *s)
{
	void *pages[NODE_BATCH];
	int status[NODE_BATCH];
	unsigned int i, n = s->npending;
	int ret = 0;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		pages[i] = (void *)(uintptr_t)s->pending[i].start;
	if (numa_move_pages(s->pid, n, pages, NULL, status, 0) < 0)
		for (i = 0; i < n; i++)
			status[i] = -1;
	s->npending = 0;
	for (i = 0; i < n && !ret; i++) {
		s->pending[i].node = status[i] >= 0 ? status[i] : HGM_UNKNOWN;
		ret = s->ops->folio(&s->pending[i], s->arg);
	}
	return ret;
}

/* What a row's other fields imply, said once for every caller. */
static void derive(struct hgm_folio *f)
{
	bool flags = HGM_KNOWN(f->kflags);

	/* a base page seen without its flags may be the tail of any folio */
	if (!flags && f->kind != HGM_FOLIO_HUGETLB && f->level == HGM_LEVEL_PTE)
		f->order = HGM_UNKNOWN;
	if (!flags && f->kind != HGM_FOLIO_HUGETLB)
		f->head_pfn = HGM_UNKNOWN;
	f->hwpoison = flags && (f->kflags & (UINT64_C(1) << KPF_HWPOISON));
}

static int emit(struct scan *s, const struct hgm_folio *f)
{
	struct hgm_folio *p, row = *f;

	/* an HGM VMA is read from its start (hgm_scan_vma()): only the range asked for is shown */
	if (row.end <= s->from || row.start >= s->to)
		return 0;
	if (row.start < s->from) {
		if (HGM_KNOWN(row.pfn))
			row.pfn += (s->from - row.start) / s->page;
		row.start = s->from;
	}
	if (row.end > s->to)
		row.end = s->to;
	if (!(s->flags & HGM_SCAN_NODES)) {
		derive(&row);
		return s->ops->folio(&row, s->arg);
	}
	p = &s->pending[s->npending++];
	*p = row;
	derive(p);
	return s->npending == NODE_BATCH ? flush_rows(s) : 0;
}

/*
 * pagemap ends early only when the target's memory is gone; on a recorded tree
 * a short file means the same.
 */
static int gone(const struct scan *s)
{
	return s->live && kill(s->pid, 0) == 0 && errno != ESRCH ? 0 : -ESRCH;
}

/* Reads @n 64-bit entries at index @idx of @fd; returns the number read or -errno. */
static ssize_t read_entries(int fd, uint64_t idx, uint64_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, buf + got, (n - got) * 8, (off_t)((idx + got) * 8));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		if (r % 8)
			return -EBADMSG;	/* part of an entry: not what the kernel writes */
		got += (size_t)r / 8;
	}
	return (ssize_t)got;
}

/*
 * Linux 6.12's stable_page_flags() tests "mapping & PAGE_MAPPING_KSM" where it
 * means equality, so KPF_KSM is set on every anonymous page.  A private page
 * of our own cannot be a KSM page: if it carries the bit, the bit says nothing
 * on this kernel.  Returns the KPF bits to drop (KPF_KSM or none).
 */
static uint64_t untrusted_kpf(int kflags_fd)
{
	static int ksm_broken = -1;
	uint64_t pme = 0, kf = 0;
	long page = sysconf(_SC_PAGESIZE);
	volatile char *p;
	int fd;

	if (ksm_broken >= 0)
		return ksm_broken ? UINT64_C(1) << KPF_KSM : 0;
	ksm_broken = 0;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	p[0] = 1;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read_entries(fd, (uintptr_t)p / page, &pme, 1) == 1 &&
	    (pme & PM_PRESENT) && (pme & PM_PFN_MASK) &&
	    read_entries(kflags_fd, pme & PM_PFN_MASK, &kf, 1) == 1)
		ksm_broken = !!(kf & (UINT64_C(1) << KPF_KSM));
	if (fd >= 0)
		close(fd);
	munmap((void *)p, page);
	return ksm_broken ? UINT64_C(1) << KPF_KSM : 0;
}

static enum hgm_folio_kind kind_of(uint64_t kf, unsigned int order, bool hugetlb_vma,
				   uint64_t pmd_pages)
{
	if (kf & (UINT64_C(1) << KPF_ZERO_PAGE))
		return HGM_FOLIO_ZERO;
	if (kf & (UINT64_C(1) << KPF_KSM))
		return HGM_FOLIO_KSM;
	if (hugetlb_vma || (kf & (UINT64_C(1) << KPF_HUGE)))
		return HGM_FOLIO_HUGETLB;
	if (order == 0)
		return HGM_FOLIO_BASE;
	return (UINT64_C(1) << order) >= pmd_pages ? HGM_FOLIO_THP : HGM_FOLIO_MTHP;
}

/* Fills the pagemap-derived fields of @f from entry @pme. */
static void from_pme(struct hgm_folio *f, uint64_t pme)
{
	f->present = pme & PM_PRESENT;
	f->swapped = pme & PM_SWAP;
	f->file = pme & PM_FILE;
	f->exclusive = pme & PM_EXCLUSIVE;
	f->uffd_wp = pme & PM_UFFD_WP;
	f->soft_dirty = pme & PM_SOFT_DIRTY;
	f->pfn = f->present && (pme & PM_PFN_MASK) ? (pme & PM_PFN_MASK) : UINT64_MAX;
}

static void new_row(struct scan *s, struct hgm_folio *f, uint64_t start, uint64_t end,
		    enum hgm_level level)
{
	memset(f, 0, sizeof(*f));
	f->start = start;
	f->end = end;
	f->level = level;
	f->pfn = f->head_pfn = f->kflags = f->mapcount = HGM_UNKNOWN;
	f->order = HGM_UNKNOWN;
	f->node = HGM_UNKNOWN;
	f->vma = s->vma;
}

/*
 * The row of a huge leaf of @level over [@a, @lend), whose first page has
 * pagemap entry @pme: the folio is the whole leaf (@leaf bytes), or for
 * hugetlb the whole hugetlb page.  One row, or one per page with
 * HGM_SCAN_PAGES (of the pages in the range only).
 */
static int leaf_row(struct scan *s, uint64_t a, uint64_t lend, enum hgm_level level, uint64_t pme,
		    uint64_t leaf)
{
	bool hugetlb = hgm_vma_flag(s->vma, HGM_VF_HT);
	uint64_t kf = 0, kc = 0, mask, i, from, to;
	struct hgm_folio f;
	int ret;

	new_row(s, &f, a, lend, level);
	from_pme(&f, pme);
	f.order = (unsigned int)__builtin_ctzll((hugetlb ? s->vma->field[HGM_SM_KERNEL_PAGE_SIZE]
						     : leaf) / s->page);
	mask = (UINT64_C(1) << f.order) - 1;
	if (HGM_KNOWN(f.pfn) && s->kflags_fd >= 0 && !(s->flags & HGM_SCAN_NO_FOLIOS) &&
	    !s->dax_vma && read_entries(s->kflags_fd, f.pfn & ~mask, &kf, 1) == 1 &&
	    (!s->kcount_fd_wanted || read_entries(s->kcount_fd, f.pfn, &kc, 1) == 1)) {
		kf &= ~s->kpf_drop;
		f.kflags = kf;
		if (s->kcount_fd_wanted)
			f.mapcount = kc;
	}
	if (HGM_KNOWN(f.pfn))
		f.head_pfn = f.pfn & ~mask;
	/* kpageflags says "nopage" for DAX memory: its flags stay unknown */
	f.kind = s->dax_vma ? HGM_FOLIO_DAX : kind_of(kf, f.order, hugetlb, s->pmd_size / s->page);
	if (!(s->flags & HGM_SCAN_PAGES))
		return emit(s, &f);
	from = a > s->from ? a : s->from;
	to = lend < s->to ? lend : s->to;
	for (i = (from - a) / s->page; from < to && a + i * s->page < to; i++) {
		struct hgm_folio p = f;

		p.start = a + i * s->page;
		p.end = p.start + s->page;
		if (HGM_KNOWN(f.pfn))
			p.pfn = f.pfn + i;
		ret = emit(s, &p);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * One row per huge leaf in [a, e), clipped to it (a range may start
 * mid-leaf).  Not for HGM VMAs (scan_hgm_vma()): hugetlb VMAs without HGM
 * have leaves of their page size only, THP of a PMD.
 */
static int scan_huge(struct scan *s, uint64_t a, uint64_t e)
{
	uint64_t leaf = hgm_vma_flag(s->vma, HGM_VF_HT) ? s->vma->field[HGM_SM_KERNEL_PAGE_SIZE]
							: s->pmd_size;
	int ret;

	while (a < e) {
		uint64_t lend = (a & ~(leaf - 1)) + leaf, pme;
		ssize_t n;

		if (lend > e)
			lend = e;
		n = read_entries(s->pagemap, a / s->page, &pme, 1);
		if (n < 0)
			return n;
		if (n == 0)
			return gone(s);
		/* the fallback walks holes too */
		if ((pme & (PM_PRESENT | PM_SWAP)) &&
		    (ret = leaf_row(s, a, lend, hgm_level_of_size(leaf, s->pmd_size), pme, leaf)))
			return ret;
		a = lend;
	}
	return 0;
}

#define KPF_TAIL_BIT	(UINT64_C(1) << KPF_COMPOUND_TAIL)
#define KPF_HEAD_BIT	(UINT64_C(1) << KPF_COMPOUND_HEAD)
#define MAX_FOLIO_ORDER	9		/* log2(MAX_FOLIO_PAGES) */

/* The kpageflags of @pfn, less the bits this kernel gets wrong. */
static int kpf_at(int fd, uint64_t drop, uint64_t pfn, uint64_t *kf)
{
	ssize_t r = read_entries(fd, pfn, kf, 1);

	if (r <= 0)
		return r < 0 ? (int)r : -ENXIO;
	*kf &= ~drop;
	return 0;
}

/*
 * With @h a compound head aligned to 2^@j (1 <= @j), whether its folio has
 * at least 2^@j pages: whether @h + 2^(@j-1) is a tail.  A tail there belongs
 * to @h's folio, as folios are naturally aligned: one starting between @h and
 * it would have to start at it.  Returns 1, 0 (also past the end of
 * kpageflags) or -errno.
 */
static int order_at_least(int fd, uint64_t drop, uint64_t h, unsigned int j)
{
	uint64_t x;
	int ret = kpf_at(fd, drop, h + (UINT64_C(1) << (j - 1)), &x);

	if (ret == -ENXIO)
		return 0;
	return ret ? ret : !!(x & KPF_TAIL_BIT);
}

/*
 * The order of the folio headed by @h: the largest j <= @jmax (the head's
 * alignment, or the largest order looked for) with order_at_least(j), found
 * by a binary search whose first probes are @guess and @guess + 1, two reads
 * when the guess is right.  With @above, a folio larger than 2^@jmax may
 * exist, and is looked for.  Sets *@order (-1: larger than @jmax, not a folio
 * looked for); 0 or -errno.
 */
static int head_order(int fd, uint64_t drop, uint64_t h, unsigned int jmax, bool above,
		      unsigned int guess, int *order)
{
	unsigned int lo = 1, hi = jmax + above, mid;	/* the answer is in [lo - 1, hi] */
	int ret;

	if (guess < 1)
		guess = 1;
	if (guess > jmax)
		guess = jmax;
	/* order >= lo - 1 is known (a head has at least 2 pages), order <= hi too */
	for (mid = guess; lo <= hi; mid = (lo + hi) / 2) {
		ret = order_at_least(fd, drop, h, mid);
		if (ret < 0)
			return ret;
		if (ret) {
			lo = mid + 1;
			/* right at the guess: the one above settles it */
			if (mid == guess && lo <= hi) {
				mid = lo;
				ret = order_at_least(fd, drop, h, mid);
				if (ret < 0)
					return ret;
				if (!ret)
					hi = mid - 1;
				else
					lo = mid + 1;
			}
		} else {
			hi = mid - 1;
		}
		guess = UINT_MAX;	/* only the first probe is guided */
	}
	*order = hi > jmax ? -1 : (int)hi;
	return 0;
}

/*
 * With @h a head (flags @hkf), the order of its folio if it holds @pfn: sets
 * *@head, *@head_kf and *@order, or leaves *@order 0 (inconsistent: larger
 * than any folio looked for, or not holding @pfn).  @larger: folios above
 * MAX_FOLIO_ORDER can exist outside hugetlb (a PMD larger than that).
 * Returns 0 or -errno.
 */
static int folio_settle(int fd, uint64_t drop, uint64_t pfn, uint64_t h, uint64_t hkf,
			unsigned int guess, bool larger, uint64_t *head, uint64_t *head_kf,
			unsigned int *order)
{
	unsigned int jmax = h ? (unsigned int)__builtin_ctzll(h) : MAX_FOLIO_ORDER;
	bool capped = jmax > MAX_FOLIO_ORDER;
	int ret, o;

	if (capped)
		jmax = MAX_FOLIO_ORDER;
	/*
	 * Folios are naturally aligned: none headed at @h is larger than its
	 * alignment.  Outside hugetlb none is larger than a PMD either (THP and
	 * page-cache folios stop at the PMD order), so only where a PMD holds
	 * more than MAX_FOLIO_PAGES is a larger one looked for, to be refused.
	 */
	ret = head_order(fd, drop, h, jmax, capped && larger, guess, &o);
	if (ret)
		return ret;
	if (o < 1 || h + (UINT64_C(1) << o) <= pfn)
		return 0;
	*head = h;
	*head_kf = hkf;
	*order = (unsigned int)o;
	return 0;
}

/*
 * The folio holding @pfn (whose flags are @kf), mapped at page number @vpn:
 * sets its head PFN, the head's flags and its order.  A folio mapped where
 * the kernel puts it (a THP fault, an mTHP) has @pfn and @vpn congruent
 * modulo its size: that guesses the head and the order, and two or three
 * reads confirm the guess (head_order()).  Otherwise binary searches, about
 * 4 single-entry reads each instead of one per page:
 * - the head is @pfn rounded down to 2^j for the smallest j whose rounding is
 *   not a tail (roundings below the head are tails, from the head down not);
 * - the order as head_order() finds it.
 * When the flags change under us (a folio split or freed meanwhile), @pfn is
 * reported as a folio of its own rather than guessed.
 */
static int folio_probe(int fd, uint64_t drop, uint64_t pfn, uint64_t vpn, uint64_t kf,
		       bool larger, uint64_t *head, uint64_t *head_kf, unsigned int *order)
{
	unsigned int lo, hi, guess = MAX_FOLIO_ORDER;
	uint64_t h = pfn, hkf = kf, x;
	int ret;

	*head = pfn;
	*head_kf = kf;
	*order = 0;
	if (!(kf & (KPF_HEAD_BIT | KPF_TAIL_BIT)))
		return 0;
	if ((pfn ^ vpn) && (unsigned int)__builtin_ctzll(pfn ^ vpn) < guess)
		guess = (unsigned int)__builtin_ctzll(pfn ^ vpn);
	if (kf & KPF_TAIL_BIT && guess) {
		/* the guessed head first: a head there whose folio holds @pfn is it */
		h = pfn & ~((UINT64_C(1) << guess) - 1);
		ret = kpf_at(fd, drop, h, &hkf);
		if (ret && ret != -ENXIO)
			return ret;
		if (!ret && (hkf & KPF_HEAD_BIT)) {
			ret = folio_settle(fd, drop, pfn, h, hkf, guess, larger, head, head_kf,
					   order);
			if (ret || *order)
				return ret;
		}
	}
	if (kf & KPF_TAIL_BIT) {
		for (lo = 1, hi = MAX_FOLIO_ORDER + 1; lo < hi; ) {
			unsigned int mid = (lo + hi) / 2;
			uint64_t c = pfn & ~((UINT64_C(1) << mid) - 1);

			if ((ret = kpf_at(fd, drop, c, &x)))
				return ret;
			if (x & KPF_TAIL_BIT) {
				lo = mid + 1;
			} else {
				hi = mid;
				h = c;
				hkf = x;
			}
		}
		if (lo > MAX_FOLIO_ORDER || !(hkf & KPF_HEAD_BIT))
			return 0;
	}
	return folio_settle(fd, drop, pfn, h, hkf, guess, larger, head, head_kf, order);
}

/*
 * Rows for PTE-mapped, present pages [a, a + n pages) with pagemap entries
 * @pme.  Per folio a few kpageflags reads (folio_probe()); base pages have
 * their flags read in one batch per run.
 */
static int scan_ptes(struct scan *s, uint64_t a, const uint64_t *pme, size_t n)
{
	bool hugetlb = hgm_vma_flag(s->vma, HGM_VF_HT);
	bool folios = s->kflags_fd >= 0 && !(s->flags & HGM_SCAN_NO_FOLIOS) && !s->dax_vma;
	bool per_page = s->flags & HGM_SCAN_PAGES;
	uint64_t hp = hugetlb ? s->vma->field[HGM_SM_KERNEL_PAGE_SIZE] / s->page : 0;
	size_t i = 0;
	int ret;

	while (i < n) {
		uint64_t pfn0 = pme[i] & PM_PFN_MASK;
		size_t run = 1, k, nkf = 0, kf0 = 0;	/* s->kf[j] holds pfn0 + kf0 + j */
		struct hgm_folio f;

		/*
		 * A run: pages whose PFNs follow each other, or, when PFNs are
		 * hidden (read as 0), every present page: one "unknown" row.
		 */
		while (i + run < n && (pme[i + run] & PM_PRESENT) &&
		       (pme[i + run] & PM_PFN_MASK) == (pfn0 ? pfn0 + run : 0))
			run++;
		for (k = 0; k < run; ) {
			uint64_t pfn = pfn0 + k, head = pfn, hkf = 0, kf = 0, npages = run - k, take;
			bool known = folios && pfn0;	/* flags readable (within kpageflags) */
			unsigned int order = 0;

			new_row(s, &f, a + (i + k) * s->page, 0, HGM_LEVEL_PTE);
			from_pme(&f, pme[i + k]);
			if (hugetlb && pfn0) {
				/* hugetlb folios are naturally aligned: the size says where */
				head = pfn & ~(hp - 1);
				npages = head + hp - pfn;
				order = (unsigned int)__builtin_ctzll(hp);
				ret = known ? kpf_at(s->kflags_fd, s->kpf_drop, head, &hkf) : 0;
				if (ret == -ENXIO)
					known = false;
				else if (ret)
					return ret;
				kf = hkf;
			} else if (known && s->have_fol && s->fol_order && pfn > s->fol_head &&
				   pfn < s->fol_head + (UINT64_C(1) << s->fol_order)) {
				/* a tail of the folio found last: its head's flags say it all */
				kf = hkf = s->fol_hkf;
				head = s->fol_head;
				order = s->fol_order;
				npages = head + (UINT64_C(1) << order) - pfn;
			} else if (known) {
				/* base pages come in batches; a folio's first page says what it is */
				if (k < kf0 || k >= kf0 + nkf) {
					ssize_t r = read_entries(s->kflags_fd, pfn, s->kf, 1);

					if (r < 0)
						return (int)r;
					kf0 = k;
					nkf = (size_t)r;
					if (r == 1 && !(s->kf[0] & (KPF_HEAD_BIT | KPF_TAIL_BIT)) &&
					    run - k > 1) {
						size_t want = run - k < ARRAY_SIZE(s->kf) ? run - k
										   : ARRAY_SIZE(s->kf);

						/* the first one is read already */
						r = read_entries(s->kflags_fd, pfn + 1, s->kf + 1, want - 1);
						if (r < 0)
							return (int)r;
						nkf = 1 + (size_t)r;
					}
				}
				if (k >= kf0 + nkf) {
					known = false;		/* beyond the end of kpageflags */
				} else {
					kf = s->kf[k - kf0] & ~s->kpf_drop;
					ret = folio_probe(s->kflags_fd, s->kpf_drop, pfn,
							  f.start / s->page, kf,
							  s->pmd_size / s->page > MAX_FOLIO_PAGES,
							  &head, &hkf, &order);
					if (ret)
						return ret;
					s->fol_head = head;
					s->fol_hkf = hkf;
					s->fol_order = order;
					s->have_fol = true;
				}
				if (known)
					npages = head + (UINT64_C(1) << order) - pfn;
			}
			take = per_page ? 1 : (npages < run - k ? npages : run - k);
			f.end = f.start + take * s->page;
			if (known) {
				f.head_pfn = head;
				f.order = order;
				f.kflags = hkf;
				if (s->kcount_fd_wanted) {
					ssize_t r = read_entries(s->kcount_fd, pfn, &f.mapcount, 1);

					if (r < 0)
						return (int)r;
					if (r != 1)
						f.mapcount = HGM_UNKNOWN;
				}
				f.kind = kind_of(hkf | kf, order, hugetlb, s->pmd_size / s->page);
				/* where KPF_KSM lies and smaps counts KSM pages, base or KSM is unknown */
				if (f.kind == HGM_FOLIO_BASE && s->kpf_drop && s->vma->field[HGM_SM_KSM] &&
				    (hkf & (UINT64_C(1) << KPF_ANON)))
					f.kind = HGM_FOLIO_UNKNOWN;
			} else {
				f.kind = hugetlb ? HGM_FOLIO_HUGETLB :
					 s->dax_vma ? HGM_FOLIO_DAX : HGM_FOLIO_UNKNOWN;
				if (hugetlb && pfn0) {
					f.order = order;
					f.head_pfn = head;
				}
			}
			ret = emit(s, &f);
			if (ret)
				return ret;
			k += take;
		}
		i += run;
	}
	return 0;
}

/* Rows for [a, e) whose pages share categories @cat (PAGE_IS_*). */
static int scan_run(struct scan *s, uint64_t a, uint64_t e, uint64_t cat)
{
	int ret;

	if (cat & PAGE_IS_PRESENT && cat & PAGE_IS_HUGE)
		return scan_huge(s, a, e);
	while (a < e) {
		size_t n = (e - a) / s->page, i, j;
		ssize_t r;

		if (n > PM_BATCH)
			n = PM_BATCH;
		r = read_entries(s->pagemap, a / s->page, s->pme, n);
		if (r < 0)
			return (int)r;
		if ((size_t)r < n)
			return gone(s);
		/* present and swapped pages may alternate within a run the fallback made */
		for (i = 0; i < n; i = j) {
			bool present = s->pme[i] & PM_PRESENT;

			for (j = i + 1; j < n && !!(s->pme[j] & PM_PRESENT) == present; j++)
				;
			if (present) {
				ret = scan_ptes(s, a + i * s->page, s->pme + i, j - i);
			} else if (s->pme[i] & PM_SWAP) {
				struct hgm_folio f;

				new_row(s, &f, a + i * s->page, a + j * s->page, HGM_LEVEL_PTE);
				from_pme(&f, s->pme[i]);
				f.kind = HGM_FOLIO_SWAPPED;
				ret = emit(s, &f);
			} else {
				ret = 0;
			}
			if (ret)
				return ret;
		}
		a += n * s->page;
	}
	return 0;
}

/*
 * HGM VMAs (kernel/HGM.md): a hugetlb page of an "hm" VMA may be mapped by
 * one leaf of its size, in pieces by smaller leaves (2 MiB PMDs inside a
 * 1 GiB page, 4 KiB PTEs), and not at all piece by piece.  The level of each
 * piece is never taken from the page size; the kernel says it in three ways:
 * - PAGEMAP_SCAN sets PAGE_IS_HUGE only where a leaf larger than a page maps:
 *   a PMD-sized slot is mapped by a leaf or holds PTEs;
 * - pagemap gives the PFN of each 4 KiB piece: a slot whose pieces are not
 *   all mapped, or not by the consecutive PFNs of an aligned PMD, holds PTEs;
 * - smaps counts the bytes mapped at each level (HugetlbPudMapped,
 *   HugetlbPmdMapped, HugetlbPteMapped).
 * What the first two cannot tell apart (one PUD from 512 PMDs over a whole
 * 1 GiB page; without PAGEMAP_SCAN, as on a recorded tree, a PMD from 512
 * PTEs) gets the larger leaf while smaps has bytes left at that level, in
 * address order.  Where smaps' figures fit more than one layout, the bytes
 * per level are right and the larger leaves are put at the lower addresses.
 * So that a range shows what a whole scan shows, the VMA is read from its
 * start and the rows before the range are dropped (emit()).
 */
enum { SLOT_NONE, SLOT_PTES, SLOT_FULL, SLOT_LEAF };

struct hgm_slot {
	unsigned char kind;		/* SLOT_* */
	uint64_t pme;			/* pagemap entry of its first page */
};

/* Whether smaps leaves @bytes at level @l for one more leaf there: takes them if so. */
static bool level_take(uint64_t *left, enum hgm_level l, uint64_t bytes)
{
	if (!HGM_KNOWN(left[l]))
		return true;
	if (left[l] < bytes)
		return false;
	left[l] -= bytes;
	return true;
}

/*
 * The slots of the hugepage at @h (@n of them, @slot bytes each) from
 * PAGEMAP_SCAN: SLOT_LEAF where a leaf larger than a page covers one whole,
 * SLOT_PTES where anything else is present or swapped.  Returns 0 or -errno
 * (-ENOTTY: no PAGEMAP_SCAN).
 */
static int slots_from_ioctl(struct scan *s, uint64_t h, uint64_t slot, unsigned int n,
			    struct hgm_slot *sl)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = h,
		.end = h + slot * n,
		.vec = (uintptr_t)s->regions,
		.vec_len = NR_REGIONS,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_HUGE,
	};
	const uint64_t leaf = PAGE_IS_PRESENT | PAGE_IS_HUGE;

	while (arg.start < arg.end) {
		long r = ioctl(s->pagemap, PAGEMAP_SCAN, &arg), i;

		if (r < 0)
			return errno == ESRCH || errno == EFAULT ? -ESRCH : -errno;
		for (i = 0; i < r; i++) {
			const struct page_region *pr = &s->regions[i];
			uint64_t x;

			for (x = pr->start; x < pr->end; x = (x & ~(slot - 1)) + slot) {
				unsigned int k = (unsigned int)((x - h) / slot);
				uint64_t xs = h + k * slot;

				if ((pr->categories & leaf) == leaf && pr->start <= xs &&
				    pr->end >= xs + slot && sl[k].kind == SLOT_NONE)
					sl[k].kind = SLOT_LEAF;
				else
					sl[k].kind = SLOT_PTES;
			}
		}
		if (arg.walk_end <= arg.start)
			break;
		arg.start = arg.walk_end;
	}
	return 0;
}

/*
 * The slot at @x of @slot bytes from its pagemap entries alone: SLOT_FULL
 * when every page is present with the consecutive PFNs of an aligned slot
 * (or PFNs are hidden), SLOT_PTES when some are present or swapped.
 */
static int slot_from_pagemap(struct scan *s, uint64_t x, uint64_t slot, struct hgm_slot *sl)
{
	size_t n = (size_t)(slot / s->page), i, present = 0;
	uint64_t pfn0;
	bool follow = true;
	ssize_t r = read_entries(s->pagemap, x / s->page, s->pme, n);

	if (r < 0)
		return (int)r;
	if ((size_t)r < n)
		return gone(s);
	pfn0 = s->pme[0] & PM_PFN_MASK;
	for (i = 0; i < n; i++) {
		if (s->pme[i] & PM_PRESENT)
			present++;
		else if (s->pme[i] & PM_SWAP)
			sl->kind = SLOT_PTES;
		if ((s->pme[i] & PM_PFN_MASK) != (pfn0 ? pfn0 + i : 0))
			follow = false;
	}
	if (present == n && follow && !(pfn0 & (n - 1)) && sl->kind == SLOT_NONE)
		sl->kind = SLOT_FULL;
	else if (present)
		sl->kind = SLOT_PTES;
	return 0;
}

/* Rows of the PTE-mapped pieces in [a, e), within the range asked for. */
static int hgm_ptes(struct scan *s, uint64_t a, uint64_t e)
{
	if (a < s->from)
		a = s->from;
	if (e > s->to)
		e = s->to;
	return a < e ? scan_run(s, a, e, 0) : 0;
}

static int scan_hgm_vma(struct scan *s, uint64_t e)
{
	uint64_t ps = s->vma->field[HGM_SM_KERNEL_PAGE_SIZE], h;
	uint64_t slot = ps > s->pmd_size ? s->pmd_size : ps;
	unsigned int n = (unsigned int)(ps / slot), k;
	static const enum hgm_smaps_field fields[HGM_NR_LEVELS] = {
		[HGM_LEVEL_PTE] = HGM_SM_HUGETLB_PTE_MAPPED,
		[HGM_LEVEL_PMD] = HGM_SM_HUGETLB_PMD_MAPPED,
		[HGM_LEVEL_PUD] = HGM_SM_HUGETLB_PUD_MAPPED,
	};
	struct hgm_slot *sl = calloc(n, sizeof(*sl));
	int l, ret = 0;

	if (!sl)
		return -ENOMEM;
	for (l = 0; l < HGM_NR_LEVELS; l++)
		s->left[l] = hgm_vma_has(s->vma, fields[l]) ? s->vma->field[fields[l]] : UINT64_MAX;
	for (h = s->vma->start; h < e && !ret; h += ps) {
		uint64_t run = 0, pfn0;		/* run: first byte of PTE slots not shown yet */
		bool pud = ps > slot, hidden;

		memset(sl, 0, n * sizeof(*sl));
		ret = s->use_ioctl ? slots_from_ioctl(s, h, slot, n, sl) : -ENOTTY;
		if (ret == -ENOTTY) {
			s->use_ioctl = false;
			for (k = 0, ret = 0; k < n && !ret; k++)
				ret = slot_from_pagemap(s, h + k * slot, slot, &sl[k]);
		}
		/* the first entry of each leaf (or candidate): its PFN */
		for (k = 0; k < n && !ret; k++) {
			if (sl[k].kind == SLOT_LEAF || sl[k].kind == SLOT_FULL) {
				ssize_t r = read_entries(s->pagemap, (h + k * slot) / s->page,
							 &sl[k].pme, 1);

				if (r <= 0)
					ret = r < 0 ? (int)r : gone(s);
			}
		}
		if (ret)
			break;
		/* one leaf over the whole page: every slot a leaf, the PFNs of the whole folio */
		pfn0 = sl[0].pme & PM_PFN_MASK;
		hidden = !pfn0;
		for (k = 0; k < n && pud; k++)
			pud = (sl[k].kind == SLOT_LEAF || sl[k].kind == SLOT_FULL) &&
			      (sl[k].pme & PM_PFN_MASK) ==
				      (hidden ? 0 : pfn0 + k * (slot / s->page));
		if (pud && (hidden || !(pfn0 & (ps / s->page - 1))) &&
		    level_take(s->left, HGM_LEVEL_PUD, ps)) {
			if (h + ps > s->from)
				ret = leaf_row(s, h, h + ps, HGM_LEVEL_PUD, sl[0].pme, ps);
			continue;
		}
		for (k = 0; k < n && !ret; k++) {
			uint64_t x = h + k * slot;
			bool leaf = sl[k].kind == SLOT_LEAF ||
				    (sl[k].kind == SLOT_FULL &&
				     level_take(s->left, HGM_LEVEL_PMD, slot));

			if (sl[k].kind == SLOT_LEAF)
				level_take(s->left, HGM_LEVEL_PMD, slot);
			if (!leaf && sl[k].kind != SLOT_NONE) {
				if (!run)
					run = x;
				continue;
			}
			if (run) {
				ret = hgm_ptes(s, run, x);
				run = 0;
			}
			if (!ret && leaf && x + slot > s->from && x < s->to)
				ret = leaf_row(s, x, x + slot, HGM_LEVEL_PMD, sl[k].pme, ps);
		}
		if (!ret && run)
			ret = hgm_ptes(s, run, h + ps);
	}
	free(sl);
	return ret;
}

/* Whether the current VMA holds no PMD-aligned range of a PMD's size. */
static bool pmd_free_vma(const struct scan *s)
{
	uint64_t first = (s->vma->start + s->pmd_size - 1) & ~(s->pmd_size - 1);

	return first < s->vma->start || first + s->pmd_size > s->vma->end ||
	       first + s->pmd_size < first;
}

static int scan_vma(struct scan *s, uint64_t start, uint64_t end)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = start,
		.end = end,
		.vec = (uintptr_t)s->regions,
		.vec_len = NR_REGIONS,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		/*
		 * Not PAGE_IS_FILE: it costs the kernel a page lookup per PTE,
		 * and the pagemap entries (PM_FILE) say it for every row.
		 */
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_HUGE,
	};
	bool hugetlb = hgm_vma_flag(s->vma, HGM_VF_HT);
	int ret;

	if (hugetlb && s->hgm_vma)
		return scan_hgm_vma(s, end);
	/*
	 * A VMA holding no aligned PMD-sized range can have no huge leaf, and
	 * the pagemap entries are read anyway: one walk of its page tables,
	 * not two.  (Such a VMA is smaller than two PMDs.)
	 */
	if (s->flags & HGM_SCAN_HUGE_ONLY)
		arg.category_mask = PAGE_IS_PRESENT | PAGE_IS_HUGE;
	if (!s->use_ioctl || (!hugetlb && pmd_free_vma(s)))
		return scan_run(s, start, end, hugetlb ? PAGE_IS_PRESENT | PAGE_IS_HUGE : 0);
	while (arg.start < end) {
		long n = ioctl(s->pagemap, PAGEMAP_SCAN, &arg);
		long i;

		if (n < 0) {
			if (errno == ENOTTY) {	/* no PAGEMAP_SCAN: batched reads */
				s->use_ioctl = false;
				return scan_vma(s, arg.start, end);
			}
			return errno == ESRCH || errno == EFAULT ? -ESRCH : -errno;
		}
		for (i = 0; i < n; i++) {
			ret = scan_run(s, s->regions[i].start, s->regions[i].end,
				       s->regions[i].categories);
			if (ret)
				return ret;
		}
		if (arg.walk_end <= arg.start)
			break;
		arg.start = arg.walk_end;
	}
	return 0;
}

/*
 * Whether VMAs may come from PROCMAP_QUERY: asked for, a live process, and
 * nothing the scan needs from smaps.  On 6.12 the KSM counter of smaps
 * settles kinds that kpageflags gets wrong; on an HGM kernel the "hm" flag
 * says how a hugetlb page larger than a PMD is cut.
 */
static bool light_vmas_usable(const struct scan *s)
{
	return (s->flags & HGM_SCAN_LIGHT_VMAS) && s->live && !s->kpf_drop &&
	       madvise(NULL, 0, MADV_SPLIT) != 0;
}

/* The next VMA from PROCMAP_QUERY into s->vma: 1, 0 at the end, or -errno. */
static int light_next(struct scan *s)
{
	struct hgm_vma *v = s->vma;
	struct procmap_query q = {
		.size = sizeof(q),
		.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
		.query_addr = s->next_vma,
		.vma_name_addr = (uintptr_t)v->name,
		.vma_name_size = sizeof(v->name),
	};

	memset(v, 0, sizeof(*v));
	if (ioctl(s->maps_fd, PROCMAP_QUERY, &q) < 0) {
		if (errno == ENOENT)
			return 0;
		return errno == ESRCH ? -ESRCH : -errno;
	}
	if (!q.vma_name_size)
		v->name[0] = '\0';
	v->start = q.vma_start;
	v->end = q.vma_end;
	v->perms[0] = q.vma_flags & PROCMAP_QUERY_VMA_READABLE ? 'r' : '-';
	v->perms[1] = q.vma_flags & PROCMAP_QUERY_VMA_WRITABLE ? 'w' : '-';
	v->perms[2] = q.vma_flags & PROCMAP_QUERY_VMA_EXECUTABLE ? 'x' : '-';
	v->perms[3] = q.vma_flags & PROCMAP_QUERY_VMA_SHARED ? 's' : 'p';
	v->offset = q.vma_offset;
	v->dev_major = q.dev_major;
	v->dev_minor = q.dev_minor;
	v->inode = q.inode;
	v->field[HGM_SM_SIZE] = q.vma_end - q.vma_start;
	v->field[HGM_SM_KERNEL_PAGE_SIZE] = q.vma_page_size;
	v->present = (UINT64_C(1) << HGM_SM_SIZE) | (UINT64_C(1) << HGM_SM_KERNEL_PAGE_SIZE);
	/* only hugetlb VMAs have a kernel page size above the base page */
	if (q.vma_page_size > s->page)
		v->vmflags = UINT64_C(1) << HGM_VF_HT;
	s->next_vma = q.vma_end;
	return 1;
}

/* Starts the VMA list: PROCMAP_QUERY where usable, else smaps. */
static int vmas_open(const struct hgm_ctx *ctx, struct scan *s)
{
	char path[64];

	s->maps_fd = -1;
	if (light_vmas_usable(s)) {
		hgm_proc_path(path, sizeof(path), s->pid, "maps");
		s->maps_fd = hgm_ctx_open(ctx, path, O_RDONLY);
		if (s->maps_fd >= 0) {
			struct procmap_query q = { .size = sizeof(q), .query_addr = 0,
						   .query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA };

			/* ENOENT (no VMA at all) is an answer; ENOTTY/EINVAL: an older kernel */
			if (ioctl(s->maps_fd, PROCMAP_QUERY, &q) == 0 || errno == ENOENT)
				return 0;
			close(s->maps_fd);
			s->maps_fd = -1;
		}
	}
	return hgm_smaps_open(ctx, s->pid, &s->sm);
}

static int vmas_next(struct scan *s)
{
	return s->maps_fd >= 0 ? light_next(s) : hgm_smaps_next(s->sm, s->vma);
}

HGM_EXPORT int hgm_scan(const struct hgm_ctx *ctx, pid_t pid, uint64_t start, uint64_t end,
			unsigned int flags, const struct hgm_scan_ops *ops, void *arg)
{
	struct scan *s;
	char path[64];
	int ret;

	if (!end)
		end = UINT64_MAX;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->pid = pid;
	s->flags = flags;
	s->ops = ops;
	s->arg = arg;
	s->kflags_fd = s->kcount_fd = s->maps_fd = -1;
	s->page = (uint64_t)sysconf(_SC_PAGESIZE);
	s->pmd_size = hgm_thp_pmd_size(ctx);
	s->use_ioctl = !(flags & HGM_SCAN_NO_IOCTL);
	s->live = hgm_ctx_is_live(ctx);
	s->kcount_fd_wanted = !(flags & HGM_SCAN_NO_COUNT);
	s->vma = malloc(sizeof(*s->vma));
	hgm_proc_path(path, sizeof(path), pid, "pagemap");
	s->pagemap = open_entries(ctx, path);
	if (!s->vma) {
		ret = -ENOMEM;
		goto out;
	}
	if (s->pagemap < 0) {
		ret = s->pagemap == -ENOENT ? -ESRCH : s->pagemap;
		goto out;
	}
	/*
	 * without CAP_SYS_ADMIN these do not open: rows say flags are unknown;
	 * levels only (HGM_SCAN_NO_FOLIOS) read neither
	 */
	if (!(flags & HGM_SCAN_NO_FOLIOS)) {
		s->kflags_fd = open_entries(ctx, "/proc/kpageflags");
		s->kcount_fd = open_entries(ctx, "/proc/kpagecount");
	}
	if (s->kflags_fd == -EBADMSG || s->kcount_fd == -EBADMSG) {
		ret = -EBADMSG;
		goto out;
	}
	if (s->kflags_fd < 0 || s->kcount_fd < 0) {
		if (s->kflags_fd >= 0)
			close(s->kflags_fd);
		s->kflags_fd = -1;
	}
	if (s->kflags_fd >= 0 && s->live)
		s->kpf_drop = untrusted_kpf(s->kflags_fd);
	/* move_pages asks the live process: not for a recorded tree */
	if (flags & HGM_SCAN_NODES && (numa_available() < 0 || !s->live))
		s->flags &= ~HGM_SCAN_NODES;

	ret = hgm_dax_probe_new(ctx, pid, &s->dax);
	if (!ret)
		ret = vmas_open(ctx, s);
	if (ret)
		goto out;
	while ((ret = vmas_next(s)) > 0) {
		uint64_t a = s->vma->start > start ? s->vma->start : start & ~(s->page - 1);
		uint64_t e = s->vma->end < end ? s->vma->end : (end + s->page - 1) & ~(s->page - 1);

		/* the vsyscall gate lies above the user address space: no page tables */
		if (a >= e || strcmp(s->vma->name, "[vsyscall]") == 0)
			continue;
		/* orders come from the page size: smaps checks it, this guards the scanner */
		if (hgm_vma_flag(s->vma, HGM_VF_HT) &&
		    !hgm_is_page_size(s->vma->field[HGM_SM_KERNEL_PAGE_SIZE])) {
			ret = -EBADMSG;
			break;
		}
		/* huge leaves only: a VMA that can hold none is not even told apart */
		if ((flags & HGM_SCAN_HUGE_ONLY) && !hgm_vma_flag(s->vma, HGM_VF_HT) &&
		    pmd_free_vma(s))
			continue;
		s->hgm_vma = hgm_vma_flag(s->vma, HGM_VF_HM);
		s->from = a;
		s->to = e;
		hgm_dax_classify(s->dax, s->vma);
		s->dax_vma = s->vma->dax != HGM_DAX_NONE;
		ret = ops->vma ? ops->vma(s->vma, arg) : 0;
		if (ret == HGM_SCAN_SKIP)
			continue;
		if (ret)
			break;
		if (ops->folio && !hgm_dax_unwalkable(s->vma, s->pmd_size) &&
		    (ret = scan_vma(s, a, e)))
			break;
		/* rows point at the VMA: deliver them before it is overwritten */
		if ((ret = flush_rows(s)))
			break;
	}
	if (ret == 0)
		ret = flush_rows(s);
out:
	hgm_dax_probe_free(s->dax);
	hgm_smaps_free(s->sm);
	if (s->maps_fd >= 0)
		close(s->maps_fd);
	if (s->pagemap >= 0)
		close(s->pagemap);
	if (s->kflags_fd >= 0)
		close(s->kflags_fd);
	if (s->kcount_fd >= 0)
		close(s->kcount_fd);
	free(s->vma);
	free(s);
	return ret;
}
