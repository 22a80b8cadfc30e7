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
	struct hgm_folio *p;

	if (!(s->flags & HGM_SCAN_NODES)) {
		struct hgm_folio row = *f;

		derive(&row);
		return s->ops->folio(&row, s->arg);
	}
	p = &s->pending[s->npending++];
	*p = *f;
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

/* The leaf size of a huge run at @addr of @len bytes in the current VMA. */
static uint64_t huge_leaf(const struct scan *s, uint64_t addr, uint64_t len)
{
	uint64_t ps = s->vma->field[HGM_SM_KERNEL_PAGE_SIZE];

	if (!hgm_vma_flag(s->vma, HGM_VF_HT))
		return s->pmd_size;
	/* on an HGM VMA, pieces get the largest aligned leaf that fits */
	if (s->hgm_vma && ((addr & (ps - 1)) || len < ps))
		return s->pmd_size;
	return ps;
}

/* One row per huge leaf in [a, e), clipped to it (a range may start mid-leaf). */
static int scan_huge(struct scan *s, uint64_t a, uint64_t e)
{
	bool hugetlb = hgm_vma_flag(s->vma, HGM_VF_HT);
	int ret;

	while (a < e) {
		uint64_t leaf = huge_leaf(s, a & ~(s->pmd_size - 1), e - a), pme, kf = 0, kc = 0;
		uint64_t lstart = a & ~(leaf - 1), lend = lstart + leaf, i, mask;
		struct hgm_folio f;
		ssize_t n;

		if (lend > e)
			lend = e;
		new_row(s, &f, a, lend, hgm_level_of_size(leaf, s->pmd_size));
		n = read_entries(s->pagemap, a / s->page, &pme, 1);
		if (n < 0)
			return n;
		if (n == 0)
			return gone(s);
		if (!(pme & (PM_PRESENT | PM_SWAP))) {	/* the fallback walks holes too */
			a = lend;
			continue;
		}
		from_pme(&f, pme);
		/* the folio is the whole leaf, or for hugetlb the whole hugetlb page */
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
		if (s->flags & HGM_SCAN_PAGES) {
			for (i = 0; a + i * s->page < lend; i++) {
				struct hgm_folio p = f;

				p.start = a + i * s->page;
				p.end = p.start + s->page;
				if (HGM_KNOWN(f.pfn))
					p.pfn = f.pfn + i;
				ret = emit(s, &p);
				if (ret)
					return ret;
			}
		} else if ((ret = emit(s, &f))) {
			return ret;
		}
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
