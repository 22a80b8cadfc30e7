// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_stress_test.c - every HGM operation at once on one hugetlb file, for a
 * bounded time: the data, the PFNs, smaps, the folio counts and the pool must
 * stay exactly right (kernel/HGM.md, patches 2-12, and HGM ABI points 4-8 and 11; the
 * counting rule of kernel/HGM.md).
 *
 * The file: NR_PAGES + 1 2 MiB hugepages in a hugetlb memfd, filled through a
 * plain "alias" mapping with words that encode (hugepage, word index).  The
 * "guest" mapping of the whole file is registered for MINOR faults with HGM;
 * a handler thread resolves its faults with 4 KiB UFFDIO_CONTINUE.  Worker
 * threads pick operations at random (each with its own PRNG):
 *
 *   4K / run / 2M CONTINUE   MADV_COLLAPSE          reads, writes, tokens
 *   GUP fast/basic get/pin   MADV_DONTNEED          hole punch + refill
 *   fork + child reads       munmap + mmap window   pagemap, smaps readers
 *
 * Two more threads read pagemap and smaps without a pause, and a flipper
 * turns the slot of the last hugepage (FLIP_PAGE, its own) over as fast as
 * it can, so that walkers meet a table appearing under them (op_flip()).
 *
 * The data invariant.  Only a hole punch changes what the file holds: it
 * takes the hugepage's seq word odd, punches, refills the pattern through the
 * alias (which faults in a zeroed hugepage first), re-reads the head PFN from
 * the alias's pagemap and takes seq even again.  A reader that sees the same
 * even seq before and after its reads must have seen the exact pattern (and
 * the current head PFN in pagemap); any other reader must have seen pattern
 * or zero in every word.  Words 1..NR_WORKERS of each 4 KiB piece are
 * scratch: worker t writes tokens to word 1 + t through one mapping and
 * reads them back through the other.
 *
 * At quiescent points (workers parked, after each phase and at the end):
 * kpagecount of each folio equals the number of VMAs mapping some piece or
 * all of it; smaps and HugetlbPages agree with pagemap; the pool holds all
 * but the file's hugepages.  After everything is unmapped and closed, the pool
 * is whole again.  kernel/vm fails the run on any kernel report.
 *
 * HGM_STRESS_SECONDS overrides the run time (default 90 s).  Runs in the
 * test guest (kernel/vm run); SKIPs without HGM, root or enough hugepages.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <time.h>

#include "hgm_util.h"

#define NR_PAGES 8	/* the hugepages the random operations use */
#define FLIP_PAGE NR_PAGES	/* one more, for the flipper and its checkers */
#define NR_FILE_PAGES (NR_PAGES + 1)
#define NR_WORKERS 6	/* random operations */
#define NR_READERS 3	/* pagemap, smaps, and the flipper, without a pause */
#define NR_PHASES 3
#define WORDS_PER_PIECE (PIECE / sizeof(uint64_t))
#define WORDS_PER_PAGE (HPAGE / sizeof(uint64_t))
#define MAX_MESSAGES 40

/* the subset of mm/gup_test.h (CONFIG_GUP_TEST) that this test uses */
struct gup_test_args {
	uint64_t get_delta_usec;
	uint64_t put_delta_usec;
	uint64_t addr;
	uint64_t size;
	uint32_t nr_pages_per_call;
	uint32_t gup_flags;
	uint32_t test_flags;
	uint32_t which_pages[8];
};
#define GUP_FAST_BENCHMARK _IOWR('g', 1, struct gup_test_args)
#define PIN_FAST_BENCHMARK _IOWR('g', 2, struct gup_test_args)
#define GUP_BASIC_TEST _IOWR('g', 4, struct gup_test_args)
#define PIN_BASIC_TEST _IOWR('g', 5, struct gup_test_args)
#define GUP_FOLL_WRITE 0x1	/* FOLL_WRITE in include/linux/mm_types.h */

enum op {
	OP_CONTINUE_4K, OP_CONTINUE_RUN, OP_CONTINUE_2M, OP_COLLAPSE,
	OP_READ, OP_WRITE, OP_TOKEN,
	OP_GUP_FAST, OP_GUP_BASIC, OP_PIN_FAST, OP_PIN_BASIC,
	OP_DONTNEED, OP_ZAP_CONTINUE, OP_PUNCH, OP_FORK, OP_WINDOW,
	OP_PAGEMAP, OP_SMAPS, OP_WALKERS,
	OP_NR,
	/* counted, never picked: the handler's and the quiescent checks' */
	OP_FLIP = OP_NR, OP_FLIP_PAGEMAP, OP_FLIP_SMAPS, OP_MINOR_FAULT, OP_QUIESCE,
	OP_ALL
};

static const struct {
	const char *name;
	unsigned int weight;
} ops[OP_ALL] = {
	[OP_CONTINUE_4K] = { "continue-4k", 10 },
	[OP_CONTINUE_RUN] = { "continue-run", 6 },
	[OP_CONTINUE_2M] = { "continue-2m", 3 },
	[OP_COLLAPSE] = { "collapse", 5 },
	[OP_READ] = { "read", 14 },
	[OP_WRITE] = { "write", 6 },
	[OP_TOKEN] = { "token", 6 },
	[OP_GUP_FAST] = { "gup-fast", 3 },
	[OP_GUP_BASIC] = { "gup-basic", 3 },
	[OP_PIN_FAST] = { "pin-fast", 3 },
	[OP_PIN_BASIC] = { "pin-basic", 3 },
	[OP_DONTNEED] = { "dontneed", 4 },
	[OP_ZAP_CONTINUE] = { "zap+continue", 4 },
	[OP_PUNCH] = { "punch", 2 },
	[OP_FORK] = { "fork", 1 },
	[OP_WINDOW] = { "window", 3 },
	[OP_PAGEMAP] = { "pagemap", 7 },
	[OP_SMAPS] = { "smaps", 3 },
	[OP_WALKERS] = { "numa+mincore", 2 },
	[OP_FLIP] = { "flip", 0 },
	[OP_FLIP_PAGEMAP] = { "flip-pagemap", 0 },
	[OP_FLIP_SMAPS] = { "flip-smaps", 0 },
	[OP_MINOR_FAULT] = { "minor-fault", 0 },
	[OP_QUIESCE] = { "quiescent", 0 },
};

/* What a forked child must see live: in a MAP_SHARED anonymous page. */
struct shared_state {
	_Atomic uint64_t seq[NR_FILE_PAGES];		/* odd: punch + refill under way */
	_Atomic uint64_t head[NR_FILE_PAGES];	/* head PFN of the file's hugepage */
};

enum window_mode { WIN_PLAIN, WIN_SPLIT, WIN_REGISTERED, WIN_MODES };

struct stress {
	struct hgm_setup s;
	struct shared_state *sh;
	int pagemap_fd, gup_fd;
	pthread_mutex_t page_lock[NR_FILE_PAGES];	/* one punch per hugepage at a time */
	pthread_mutex_t window_lock;
	unsigned char *window;			/* NULL or the second small mapping */
	size_t window_page, window_pages;
	enum window_mode window_mode;
	atomic_int stop, pause, parked, handler_stop;
	atomic_long count[OP_ALL], errors[OP_ALL];
	atomic_long short_gup[OP_NR];	/* slow GUP on the guest ended at a hole */
	atomic_int messages;
};

static struct stress st;

struct worker {
	pthread_t thread;
	unsigned int id;
	enum op only;		/* a reader's one operation, or OP_ALL */
	uint64_t rng;
	uint64_t tokens;
};

static uint64_t next_rand(uint64_t *x)
{
	/* xorshift64* */
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545F4914F6CDD1DULL;
}

static size_t below(struct worker *w, size_t n)
{
	return (size_t)(next_rand(&w->rng) % n);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The word that the file holds at word @w of hugepage @page. */
static uint64_t pat(size_t page, size_t w)
{
	return 0x5a00000000000000ULL | ((uint64_t)page << 32) | w;
}

/* Words 1..NR_WORKERS of each piece belong to the workers' tokens. */
static bool is_scratch(size_t w)
{
	size_t i = w % WORDS_PER_PIECE;

	return i >= 1 && i <= NR_WORKERS;
}

static void __attribute__((format(printf, 2, 3))) fail(enum op op, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	atomic_fetch_add(&st.errors[op], 1);
	if (atomic_fetch_add(&st.messages, 1) >= MAX_MESSAGES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ksft_print_msg("%s: %s\n", ops[op].name, buf);
}

/* seqlock reads: the acquire fences order them around the data reads */
static uint64_t seq_begin(size_t page)
{
	uint64_t s = atomic_load_explicit(&st.sh->seq[page], memory_order_acquire);

	return s;
}

static uint64_t seq_end(size_t page)
{
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&st.sh->seq[page], memory_order_relaxed);
}

static bool seq_stable(uint64_t s1, uint64_t s2)
{
	return s1 == s2 && !(s1 & 1);
}

static void snap_seqs(uint64_t *s)
{
	size_t p;

	for (p = 0; p < NR_FILE_PAGES; p++)
		s[p] = p ? atomic_load_explicit(&st.sh->seq[p], memory_order_acquire) :
			   seq_begin(0);
}

/* Were hugepages [p0, p1] free of punches between the two snapshots? */
static bool seqs_stable(const uint64_t *s1, size_t p0, size_t p1)
{
	size_t p;

	atomic_thread_fence(memory_order_acquire);
	for (p = p0; p <= p1; p++)
		if (!seq_stable(s1[p], atomic_load_explicit(&st.sh->seq[p],
							   memory_order_relaxed)))
			return false;
	return true;
}

#define SAW_ZERO 1
#define SAW_BAD 2

/*
 * Checks words [w0, w1) of hugepage @page, mapped at @map (its first byte),
 * against the pattern, skipping scratch words: SAW_ZERO and SAW_BAD (a word
 * neither pattern nor zero, the first one in *bad_w and *bad_v).
 */
static int check_words(const unsigned char *map, size_t page, size_t w0, size_t w1,
		       size_t *bad_w, uint64_t *bad_v)
{
	const volatile uint64_t *p = (const volatile uint64_t *)map;
	int r = 0;
	size_t w;

	for (w = w0; w < w1; w++) {
		uint64_t v;

		if (is_scratch(w))
			continue;
		v = p[w];
		if (v == pat(page, w))
			continue;
		if (!v) {
			if (!(r & SAW_ZERO) && !(r & SAW_BAD)) {
				*bad_w = w;
				*bad_v = v;
			}
			r |= SAW_ZERO;
			continue;
		}
		if (!(r & SAW_BAD)) {
			*bad_w = w;
			*bad_v = v;
		}
		r |= SAW_BAD;
	}
	return r;
}

/*
 * Reads words [w0, w1) of hugepage @page through @map under its seq word;
 * false if they are wrong for what the seq says.
 */
static bool verify_words(enum op op, const char *what, const unsigned char *map, size_t page,
			 size_t w0, size_t w1)
{
	uint64_t s1 = seq_begin(page), s2, v = 0;
	size_t bw = 0;
	int r = check_words(map, page, w0, w1, &bw, &v);

	s2 = seq_end(page);
	if ((r & SAW_BAD) || ((r & SAW_ZERO) && seq_stable(s1, s2))) {
		fail(op, "%s: hugepage %zu word %zu (piece %zu) reads %#" PRIx64
		     ", want %#" PRIx64 "%s (seq %" PRIu64 " -> %" PRIu64 ")",
		     what, page, bw, bw / WORDS_PER_PIECE, v, pat(page, bw),
		     r & SAW_BAD ? "" : " (zero while no punch)", s1, s2);
		return false;
	}
	return true;
}

/* Fills hugepage @page of the file through the alias mapping. */
static void fill_page(size_t page)
{
	volatile uint64_t *p = (volatile uint64_t *)(st.s.backing + page * HPAGE);
	size_t w;

	for (w = 0; w < WORDS_PER_PAGE; w++)
		p[w] = pat(page, w);
}

static int read_pagemap(uint64_t *e, const void *addr, size_t n)
{
	ssize_t len = (ssize_t)(n * sizeof(*e));

	return pread(st.pagemap_fd, e, (size_t)len,
		     (off_t)((uintptr_t)addr / PIECE * sizeof(*e))) == len ? 0 : -1;
}

/*
 * Checks the pagemap entries @e of hugepage @page mapped at @what: each
 * present PFN is the 512-aligned head + index, and with @stable the current
 * head + index.  Returns the number present, or -1 if any is wrong.
 */
static long check_entries(enum op op, const char *what, const uint64_t *e, size_t page,
			  uint64_t head, bool stable)
{
	size_t i, first_bad = PIECES, bad = 0;
	long present = 0;

	for (i = 0; i < PIECES; i++) {
		uint64_t pfn = PM_PFN(e[i]);

		if (!PM_PRESENT(e[i]))
			continue;
		present++;
		if ((pfn & (PIECES - 1)) != i || (stable && pfn != head + i)) {
			if (!bad++)
				first_bad = i;
		}
	}
	if (!bad)
		return present;
	fail(op, "%s: hugepage %zu: %zu of %ld present pieces at a wrong PFN, the first "
	     "piece %zu at %#" PRIx64 ", want %#" PRIx64 "%s", what, page, bad, present,
	     first_bad, (uint64_t)PM_PFN(e[first_bad]), head + first_bad,
	     stable ? "" : " (only checked: 512-aligned head)");
	return -1;
}

/* Checks the pagemap of hugepage @page mapped at @map; its present pieces, or -1. */
static long verify_pagemap(enum op op, const char *what, const unsigned char *map, size_t page)
{
	uint64_t e[PIECES], s1, head;
	bool stable;

	s1 = seq_begin(page);
	head = atomic_load_explicit(&st.sh->head[page], memory_order_relaxed);
	if (read_pagemap(e, map, PIECES)) {
		fail(op, "%s: cannot read pagemap: %s", what, strerror(errno));
		return -1;
	}
	stable = seq_stable(s1, seq_end(page));
	return check_entries(op, what, e, page, head, stable);
}

/* The first hugepage of the guest VMA that holds hugepage @page (see the test). */
static size_t guest_vma_first(size_t page)
{
	return page < NR_PAGES / 2 || page == FLIP_PAGE ? page : NR_PAGES / 2;
}

/* The hugepage after the end of that VMA. */
static size_t guest_vma_end(size_t page)
{
	return page < NR_PAGES / 2 || page == FLIP_PAGE ? page + 1 : NR_PAGES;
}

/*
 * CONTINUE results that are not errors: bytes, EEXIST, EFAULT while
 * punched; a range across two VMAs must get ENOENT (it maps nothing).
 */
static void check_continue(enum op op, long ret, const uint64_t *s1, size_t p0, size_t p1,
			   const void *addr, size_t len)
{
	if (guest_vma_first(p0) != guest_vma_first(p1)) {
		if (ret != -ENOENT)
			fail(op, "CONTINUE of %zu bytes at guest+%#zx across VMAs: %ld, want "
			     "ENOENT", len, (size_t)((const unsigned char *)addr - st.s.guest),
			     ret);
		return;
	}
	if (ret > 0 || ret == -EEXIST)
		return;
	if (ret == -EFAULT && !seqs_stable(s1, p0, p1))
		return;
	fail(op, "CONTINUE of %zu bytes at guest+%#zx: %s", len,
	     (size_t)((const unsigned char *)addr - st.s.guest), strerror((int)-ret));
}

static void op_continue(struct worker *w, enum op op)
{
	size_t first, n, total = NR_PAGES * PIECES;
	uint64_t s1[NR_FILE_PAGES];
	unsigned char *addr;
	long ret;

	switch (op) {
	case OP_CONTINUE_4K:
		first = below(w, total);
		n = 1;
		break;
	case OP_CONTINUE_RUN:	/* may cross into the next hugepage */
		first = below(w, total);
		n = 1 + below(w, PIECES * 2);
		if (first + n > total)
			n = total - first;
		break;
	default:
		first = below(w, NR_PAGES) * PIECES;
		n = PIECES;
		break;
	}
	addr = st.s.guest + first * PIECE;
	snap_seqs(s1);
	ret = uffd_continue(st.s.uffd, addr, n * PIECE);
	check_continue(op, ret, s1, first / PIECES, (first + n - 1) / PIECES, addr, n * PIECE);
}

static void op_collapse(struct worker *w)
{
	size_t page = below(w, NR_PAGES), first = below(w, PIECES), n = 1 + below(w, PIECES);

	/* any PAGE_SIZE-aligned range: the kernel widens it to hugepages */
	if (page * PIECES + first + n > NR_PAGES * PIECES)
		n = NR_PAGES * PIECES - page * PIECES - first;
	if (madvise(st.s.guest + page * HPAGE + first * PIECE, n * PIECE, MADV_COLLAPSE))
		fail(OP_COLLAPSE, "hugepage %zu pieces %zu+%zu: %s", page, first, n,
		     strerror(errno));
}

/* A random run of words in one hugepage: *w0, *w1 */
static size_t pick_words(struct worker *w, size_t *w0, size_t *w1)
{
	size_t page = below(w, NR_PAGES), first = below(w, PIECES), n = 1 + below(w, 48);

	if (first + n > PIECES)
		n = PIECES - first;
	*w0 = first * WORDS_PER_PIECE + below(w, WORDS_PER_PIECE);
	*w1 = (first + n) * WORDS_PER_PIECE - below(w, WORDS_PER_PIECE / 2);
	if (*w1 <= *w0)
		*w1 = *w0 + 1;
	return page;
}

static void op_read(struct worker *w)
{
	size_t w0, w1, page = pick_words(w, &w0, &w1);

	verify_words(OP_READ, "guest", st.s.guest + page * HPAGE, page, w0, w1);
}

/* Writes the pattern over a run through the guest, then reads it via the alias. */
static void op_write(struct worker *w)
{
	size_t w0, w1, x, page = pick_words(w, &w0, &w1);
	volatile uint64_t *p = (volatile uint64_t *)(st.s.guest + page * HPAGE);

	for (x = w0; x < w1; x++)
		if (!is_scratch(x))
			p[x] = pat(page, x);
	verify_words(OP_WRITE, "alias after guest write", st.s.backing + page * HPAGE, page,
		     w0, w1);
}

/*
 * A token written through the guest must be read through the alias, and one
 * written through the alias through the guest, unless a punch came between
 * (then the alias may read the new hugepage's zero or pattern).
 */
static void op_token(struct worker *w)
{
	size_t page = below(w, NR_PAGES), piece = below(w, PIECES);
	size_t word = page * WORDS_PER_PAGE + piece * WORDS_PER_PIECE + 1 + w->id;
	volatile uint64_t *g = (volatile uint64_t *)st.s.guest + word;
	volatile uint64_t *a = (volatile uint64_t *)st.s.backing + word;
	uint64_t t1 = 0xc300000000000000ULL | ((uint64_t)w->id << 48) | ++w->tokens;
	uint64_t t2 = t1 | 0x0080000000000000ULL, s1, s2, via_alias, via_guest, back;
	size_t wi = word - page * WORDS_PER_PAGE;

	s1 = seq_begin(page);
	*g = t1;
	via_alias = *a;
	*a = t2;
	via_guest = *g;
	back = *a;
	s2 = seq_end(page);
	if (seq_stable(s1, s2)) {
		if (via_alias != t1 || via_guest != t2 || back != t2)
			fail(OP_TOKEN, "hugepage %zu piece %zu: guest wrote %#" PRIx64
			     ", alias read %#" PRIx64 "; alias wrote %#" PRIx64 ", guest read %#"
			     PRIx64, page, piece, t1, via_alias, t2, via_guest);
		return;
	}
	if (via_alias != t1 && via_alias != 0 && via_alias != pat(page, wi))
		fail(OP_TOKEN, "hugepage %zu piece %zu during a punch: alias read %#" PRIx64,
		     page, piece, via_alias);
}

/*
 * One gup_test ioctl over @n pieces at @addr; the bytes it got, or -errno.
 * Only the fast variants may wait for a userfault: get_user_pages() and
 * pin_user_pages() run under the caller's mmap lock without
 * FAULT_FLAG_ALLOW_RETRY, so on a registered range an unmapped piece ends
 * them (handle_userfault() gives SIGBUS, as upstream).
 */
static long gup_run(struct worker *w, enum op op, unsigned char *addr, size_t n)
{
	static const unsigned long cmd[] = {
		[OP_GUP_FAST] = GUP_FAST_BENCHMARK, [OP_GUP_BASIC] = GUP_BASIC_TEST,
		[OP_PIN_FAST] = PIN_FAST_BENCHMARK, [OP_PIN_BASIC] = PIN_BASIC_TEST,
	};
	struct gup_test_args g = {
		.addr = (uintptr_t)addr,
		.size = n * PIECE,
		.nr_pages_per_call = (uint32_t)(1 + below(w, n)),
		.gup_flags = below(w, 2) ? GUP_FOLL_WRITE : 0,
	};

	if (ioctl(st.gup_fd, cmd[op], &g))
		return -errno;
	return (long)g.size;
}

static void op_gup(struct worker *w, enum op op)
{
	size_t total = NR_PAGES * PIECES, first = below(w, total), n = 1 + below(w, 96);
	bool guest = below(w, 4) != 0, slow = op == OP_GUP_BASIC || op == OP_PIN_BASIC;
	unsigned char *addr;
	long got;

	/* runs that end at, start at or cross a hugepage boundary are the interesting ones */
	if (below(w, 3) == 0)
		first = (1 + below(w, NR_PAGES - 1)) * PIECES - below(w, n + 1);
	if (first + n > total)
		n = total - first;
	addr = (guest ? st.s.guest : st.s.backing) + first * PIECE;
	if (guest && slow)	/* see gup_run(): map the run first */
		uffd_continue(st.s.uffd, addr, n * PIECE);
	got = gup_run(w, op, addr, n);
	if (got == (long)(n * PIECE))
		return;
	if (guest && slow && got >= 0) {
		/* a DONTNEED or punch meanwhile left a piece unmapped */
		atomic_fetch_add(&st.short_gup[op], 1);
		return;
	}
	fail(op, "%zu pages at %s+%#zx: %s %ld", n, guest ? "guest" : "alias", first * PIECE,
	     got < 0 ? strerror((int)-got) : "got bytes", got);
}

static void op_dontneed(struct worker *w)
{
	size_t page = below(w, NR_PAGES);

	if (madvise(st.s.guest + page * HPAGE, HPAGE, MADV_DONTNEED))
		fail(OP_DONTNEED, "hugepage %zu: %s", page, strerror(errno));
}

/*
 * The transition the walkers must get right: a hugepage's slot goes from a
 * table (or PMD) to none and, at once, to a new table.
 */
static void op_zap_continue(struct worker *w)
{
	size_t page = below(w, NR_PAGES), piece = below(w, PIECES);
	unsigned char *addr = st.s.guest + page * HPAGE;
	uint64_t s1[NR_FILE_PAGES];
	long ret;

	if (madvise(addr, HPAGE, MADV_DONTNEED)) {
		fail(OP_ZAP_CONTINUE, "DONTNEED of hugepage %zu: %s", page, strerror(errno));
		return;
	}
	snap_seqs(s1);
	ret = uffd_continue(st.s.uffd, addr + piece * PIECE, PIECE);
	check_continue(OP_ZAP_CONTINUE, ret, s1, page, page, addr + piece * PIECE, PIECE);
}

/* The head PFN of hugepage @page from the alias (which maps it by a PMD), or 0. */
static uint64_t alias_head(size_t page)
{
	uint64_t e;

	if (read_pagemap(&e, st.s.backing + page * HPAGE, 1) || !PM_PRESENT(e))
		return 0;
	return PM_PFN(e);
}

static void op_punch(struct worker *w)
{
	size_t page = below(w, NR_PAGES);
	uint64_t head;

	pthread_mutex_lock(&st.page_lock[page]);
	atomic_fetch_add_explicit(&st.sh->seq[page], 1, memory_order_acq_rel);
	if (fallocate(st.s.memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)(page * HPAGE), (off_t)HPAGE))
		fail(OP_PUNCH, "hugepage %zu: %s", page, strerror(errno));
	fill_page(page);
	head = alias_head(page);
	if (!head || head % PIECES)
		fail(OP_PUNCH, "hugepage %zu refilled: alias head PFN %#" PRIx64, page, head);
	atomic_store_explicit(&st.sh->head[page], head, memory_order_relaxed);
	atomic_fetch_add_explicit(&st.sh->seq[page], 1, memory_order_release);
	pthread_mutex_unlock(&st.page_lock[page]);
}

/*
 * The child of a fork: its copy of the guest is no longer registered (no
 * UFFD_FEATURE_EVENT_FORK) and starts with no entries.  It reads a few
 * pieces, checks their PFNs and GUPs one run; exit status 0, or what failed.
 * Only syscalls and reads here: the parent's other threads may hold locks.
 */
static int child_reads(uint64_t rng)
{
	int pm = open("/proc/self/pagemap", O_RDONLY), k, ret = 0;

	if (pm < 0)
		return 10;
	for (k = 0; k < 4 && !ret; k++) {
		size_t page = next_rand(&rng) % NR_PAGES, piece = next_rand(&rng) % PIECES;
		const unsigned char *map = st.s.guest + page * HPAGE;
		size_t w0 = piece * WORDS_PER_PIECE, bw;
		uint64_t s1, s2, e, head, v;
		int r;

		s1 = seq_begin(page);
		head = atomic_load_explicit(&st.sh->head[page], memory_order_relaxed);
		r = check_words(map, page, w0, w0 + WORDS_PER_PIECE, &bw, &v);
		if (pread(pm, &e, sizeof(e), (off_t)((uintptr_t)(map + piece * PIECE) / PIECE *
						      sizeof(e))) != sizeof(e))
			ret = 11;
		s2 = seq_end(page);
		if ((r & SAW_BAD) || ((r & SAW_ZERO) && seq_stable(s1, s2)))
			ret = 12;
		else if (PM_PRESENT(e) && ((PM_PFN(e) & (PIECES - 1)) != piece ||
					   (seq_stable(s1, s2) && PM_PFN(e) != head + piece)))
			ret = 13;
		if (!ret && st.gup_fd >= 0 && k == 0) {
			struct gup_test_args g = {
				.addr = (uintptr_t)(map + piece * PIECE),
				.size = PIECE * (piece + 4 <= PIECES ? 4 : 1),
				.nr_pages_per_call = 4,
			};

			if (ioctl(st.gup_fd, (next_rand(&rng) & 1) ? PIN_FAST_BENCHMARK :
				  GUP_BASIC_TEST, &g) || !g.size)
				ret = 14;
		}
	}
	close(pm);
	return ret;
}

static void op_fork(struct worker *w)
{
	uint64_t seed = next_rand(&w->rng) | 1;
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		fail(OP_FORK, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		_exit(child_reads(seed));
	if (waitpid(pid, &status, 0) != pid) {
		fail(OP_FORK, "waitpid: %s", strerror(errno));
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail(OP_FORK, "child %s %d (10 pagemap open, 11 pagemap read, 12 data, "
		     "13 PFN, 14 GUP)", WIFEXITED(status) ? "exited" : "killed by signal",
		     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/*
 * Unmaps the window (a second mapping of one or two hugepages of the file)
 * and maps another: plain, MADV_SPLIT, or registered for MINOR faults with
 * HGM (its faults then come in pieces through the handler).  Reads and
 * checks a few pieces through it, sometimes collapses it, and leaves it
 * mapped for the other operations to race with.
 */
static void op_window(struct worker *w)
{
	size_t page = below(w, NR_PAGES), pages = 1 + (page + 1 < NR_PAGES && below(w, 2));
	enum window_mode mode = (enum window_mode)below(w, WIN_MODES);
	unsigned char *win;
	size_t k;

	pthread_mutex_lock(&st.window_lock);
	if (st.window) {
		if (munmap(st.window, st.window_pages * HPAGE))
			fail(OP_WINDOW, "munmap: %s", strerror(errno));
		st.window = NULL;
	}
	win = mmap(NULL, pages * HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, st.s.memfd,
		   (off_t)(page * HPAGE));
	if (win == MAP_FAILED) {
		fail(OP_WINDOW, "mmap of hugepages %zu+%zu: %s", page, pages, strerror(errno));
		goto out;
	}
	if (mode == WIN_SPLIT && madvise(win, pages * HPAGE, MADV_SPLIT))
		fail(OP_WINDOW, "MADV_SPLIT: %s", strerror(errno));
	if (mode == WIN_REGISTERED && uffd_register_minor(st.s.uffd, win, pages * HPAGE))
		fail(OP_WINDOW, "MINOR registration: %s", strerror(errno));
	st.window = win;
	st.window_page = page;
	st.window_pages = pages;
	st.window_mode = mode;
	for (k = 0; k < 3; k++) {
		size_t i = below(w, pages), piece = below(w, PIECES);
		size_t w0 = piece * WORDS_PER_PIECE;

		verify_words(OP_WINDOW, "window", win + i * HPAGE, page + i, w0,
			     w0 + WORDS_PER_PIECE);
	}
	if (mode != WIN_PLAIN && below(w, 3) == 0 &&
	    madvise(win + below(w, pages) * HPAGE + below(w, PIECES) * PIECE, PIECE,
		    MADV_COLLAPSE))
		fail(OP_WINDOW, "MADV_COLLAPSE: %s", strerror(errno));
	if (st.gup_fd >= 0 && mode != WIN_REGISTERED) {
		/* nothing can leave a hole here: every GUP gets the whole run */
		enum op g = (enum op)(OP_GUP_FAST + below(w, 4));
		size_t first = below(w, pages * PIECES), n = 1 + below(w, 64);
		long got;

		if (first + n > pages * PIECES)
			n = pages * PIECES - first;
		got = gup_run(w, g, win + first * PIECE, n);
		if (got != (long)(n * PIECE))
			fail(OP_WINDOW, "%s of %zu pages at window+%#zx: %ld", ops[g].name, n,
			     first * PIECE, got);
	}
	for (k = 0; k < pages; k++)
		verify_pagemap(OP_WINDOW, "window pagemap", win + k * HPAGE, page + k);
out:
	pthread_mutex_unlock(&st.window_lock);
}

static void op_pagemap(void)
{
	size_t page;

	for (page = 0; page < NR_PAGES; page++) {
		verify_pagemap(OP_PAGEMAP, "guest", st.s.guest + page * HPAGE, page);
		verify_pagemap(OP_PAGEMAP, "alias", st.s.backing + page * HPAGE, page);
	}
}

/*
 * The flipper owns FLIP_PAGE (nothing else maps, faults or punches it in
 * the guest) and turns its slot over as fast as it can: none, then a new
 * PTE table with one piece (or, one time in eight, a PMD), then none again.
 * A walker that takes the slot for a leaf once and reads it again later
 * sees the table page as a hugepage (issue 11, item 4), so its checkers
 * know exactly what may be seen:
 *
 *   pagemap: 0, 1 or 512 present pieces, each at head + index
 *   smaps:   Pmd + Pte of its VMA is 0, 4 (Pte) or 2048 (Pmd) kB
 */
static void op_flip(struct worker *w)
{
	unsigned char *addr = st.s.guest + FLIP_PAGE * HPAGE;
	size_t len = below(w, 8) ? PIECE : HPAGE;
	size_t off = len == PIECE ? below(w, PIECES) * PIECE : 0;
	long ret;

	if (madvise(addr, HPAGE, MADV_DONTNEED))
		fail(OP_FLIP, "DONTNEED: %s", strerror(errno));
	ret = uffd_continue(st.s.uffd, addr + off, len);
	if (ret != (long)len)
		fail(OP_FLIP, "CONTINUE of %zu bytes at +%#zx: %ld", len, off, ret);
}

static void flip_pagemap(void)
{
	long n = verify_pagemap(OP_FLIP_PAGEMAP, "flip page",
				st.s.guest + FLIP_PAGE * HPAGE, FLIP_PAGE);

	if (n != -1 && n != 0 && n != 1 && n != (long)PIECES)
		fail(OP_FLIP_PAGEMAP, "%ld pieces present, want 0, 1 or %zu", n, PIECES);
	atomic_fetch_add(&st.count[OP_FLIP_PAGEMAP], 1);
}

/*
 * The other walkers the series taught about tables: numa_maps and mincore
 * (their checks are the kernel's own: kernel/vm fails on a report).
 */
static void op_walkers(void)
{
	unsigned char vec[NR_FILE_PAGES * PIECES];
	char buf[4096];
	int fd = open("/proc/self/numa_maps", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
		fail(OP_WALKERS, "cannot read numa_maps: %s", strerror(errno));
	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	if (fd >= 0)
		close(fd);
	if (mincore(st.s.guest, st.s.len, vec))
		fail(OP_WALKERS, "mincore: %s", strerror(errno));
}

struct smaps_vma {
	unsigned long start, end;
	long pud, pmd, pte;	/* kB, -1 if absent */
};

/* Checks one VMA's HGM fields against its size. */
static void check_smaps_vma(const struct smaps_vma *v)
{
	long size = (long)((v->end - v->start) / KIB);

	if (v->pmd < 0 && v->pte < 0)
		return;	/* not hugetlb */
	if (v->pmd < 0 || v->pte < 0 || v->pud < 0) {
		fail(OP_SMAPS, "%lx-%lx: only some of the Hugetlb*Mapped fields", v->start, v->end);
		return;
	}
	if (v->start == (uintptr_t)(st.s.guest + FLIP_PAGE * HPAGE)) {
		atomic_fetch_add(&st.count[OP_FLIP_SMAPS], 1);
		if ((v->pmd && v->pte) || (v->pmd != 0 && v->pmd != (long)(HPAGE / KIB)) ||
		    (v->pte != 0 && v->pte != (long)(PIECE / KIB)))
			fail(OP_FLIP_SMAPS, "HugetlbPmdMapped %ld, HugetlbPteMapped %ld kB; "
			     "want 0 + 0, 0 + 4 or 2048 + 0", v->pmd, v->pte);
	}
	if (v->pud || v->pmd % (long)(HPAGE / KIB) || v->pte % (long)(PIECE / KIB) ||
	    v->pmd + v->pte > size)
		fail(OP_SMAPS, "%lx-%lx (%ld kB): HugetlbPudMapped %ld, HugetlbPmdMapped %ld, "
		     "HugetlbPteMapped %ld kB", v->start, v->end, size, v->pud, v->pmd, v->pte);
}

/* Every hugetlb VMA of this process: Pte + Pmd within its size. */
static void op_smaps(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	struct smaps_vma v = { 0 };
	char line[512];
	bool in = false;

	if (!f) {
		fail(OP_SMAPS, "cannot open smaps: %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		long kb;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				check_smaps_vma(&v);
			v = (struct smaps_vma){ .start = a, .end = b, .pud = -1, .pmd = -1, .pte = -1 };
			in = true;
			continue;
		}
		if (sscanf(line, HGM_SMAPS_PUD_MAPPED ": %ld", &kb) == 1)
			v.pud = kb;
		else if (sscanf(line, HGM_SMAPS_PMD_MAPPED ": %ld", &kb) == 1)
			v.pmd = kb;
		else if (sscanf(line, HGM_SMAPS_PTE_MAPPED ": %ld", &kb) == 1)
			v.pte = kb;
	}
	if (in)
		check_smaps_vma(&v);
	fclose(f);
}

static unsigned int total_weight;	/* set before the workers start */

static enum op pick_op(struct worker *w)
{
	unsigned int r = (unsigned int)below(w, total_weight), i;

	for (i = 0; i < OP_NR; i++) {
		if (r < ops[i].weight)
			return (enum op)i;
		r -= ops[i].weight;
	}
	return OP_READ;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	int k;

	while (!atomic_load(&st.stop)) {
		enum op op;

		if (atomic_load(&st.pause)) {
			atomic_fetch_add(&st.parked, 1);
			while (atomic_load(&st.pause) && !atomic_load(&st.stop))
				usleep(1000);
			atomic_fetch_sub(&st.parked, 1);
			continue;
		}
		op = w->only != OP_ALL ? w->only : pick_op(w);
		switch (op) {
		case OP_CONTINUE_4K:
		case OP_CONTINUE_RUN:
		case OP_CONTINUE_2M:
			op_continue(w, op);
			break;
		case OP_COLLAPSE:
			op_collapse(w);
			break;
		case OP_READ:
			op_read(w);
			break;
		case OP_WRITE:
			op_write(w);
			break;
		case OP_TOKEN:
			op_token(w);
			break;
		case OP_GUP_FAST:
		case OP_GUP_BASIC:
		case OP_PIN_FAST:
		case OP_PIN_BASIC:
			if (st.gup_fd < 0)
				continue;
			op_gup(w, op);
			break;
		case OP_DONTNEED:
			op_dontneed(w);
			break;
		case OP_ZAP_CONTINUE:
			op_zap_continue(w);
			break;
		case OP_PUNCH:
			op_punch(w);
			break;
		case OP_FORK:
			op_fork(w);
			break;
		case OP_WINDOW:
			op_window(w);
			break;
		case OP_PAGEMAP:
			op_pagemap();
			for (k = 0; w->only == OP_PAGEMAP && k < 16; k++)
				flip_pagemap();
			break;
		case OP_FLIP:
			op_flip(w);
			break;
		case OP_WALKERS:
			op_walkers();
			break;
		default:
			op_smaps();
			break;
		}
		atomic_fetch_add(&st.count[op], 1);
	}
	return NULL;
}

/*
 * Resolves every MINOR fault with a 4 KiB CONTINUE of the faulting piece;
 * when that maps nothing (mapped meanwhile, punched, window gone) it wakes
 * the faulting thread, which then faults again.
 */
static void *handler_run(void *arg)
{
	struct uffd_msg msg[16];

	while (!atomic_load(&st.handler_stop)) {
		struct pollfd p = { .fd = st.s.uffd, .events = POLLIN };
		ssize_t n, i;

		if (poll(&p, 1, 50) != 1)
			continue;
		n = read(st.s.uffd, msg, sizeof(msg));
		if (n < 0)
			continue;
		for (i = 0; i < n / (ssize_t)sizeof(msg[0]); i++) {
			uint64_t a = msg[i].arg.pagefault.address & ~(uint64_t)(PIECE - 1);
			unsigned char *addr = (unsigned char *)(uintptr_t)a;
			bool in_guest = addr >= st.s.guest && addr < st.s.guest + st.s.len;
			uint64_t s1[NR_FILE_PAGES];
			long ret;

			if (msg[i].event != UFFD_EVENT_PAGEFAULT ||
			    !(msg[i].arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_MINOR)) {
				fail(OP_MINOR_FAULT, "unexpected message: event %u flags %#llx",
				     msg[i].event, (unsigned long long)msg[i].arg.pagefault.flags);
				continue;
			}
			atomic_fetch_add(&st.count[OP_MINOR_FAULT], 1);
			snap_seqs(s1);
			ret = uffd_continue(st.s.uffd, addr, PIECE);
			if (ret < 0) {
				struct uffdio_range r = { .start = a, .len = PIECE };

				/* only a punch or an unmapped window explains anything else */
				if (in_guest && ret != -EEXIST) {
					size_t page = (size_t)(addr - st.s.guest) / HPAGE;

					check_continue(OP_MINOR_FAULT, ret, s1, page, page, addr, PIECE);
				}
				if (ioctl(st.s.uffd, UFFDIO_WAKE, &r))
					fail(OP_MINOR_FAULT, "UFFDIO_WAKE: %s", strerror(errno));
			}
		}
	}
	return NULL;
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t kl = strlen(key);
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Waits up to 3 s for the pool to hold @want free hugepages; the last value read. */
static long wait_free_hugepages(long want)
{
	long n = free_hugepages();
	int i;

	for (i = 0; i < 300 && n != want; i++) {
		usleep(10000);
		n = free_hugepages();
	}
	return n;
}

/*
 * With every worker parked: each folio's kpagecount is the number of VMAs
 * (alias, guest, window) that map some piece or all of it, every present
 * PFN is head + index, smaps and HugetlbPages count exactly the present
 * pieces, the alias reads the exact pattern, and the pool lends exactly
 * NR_FILE_PAGES hugepages.  Returns the number of failures.
 */
static long quiescent_check(long free_before, const char *when)
{
	long before = 0, present_all = 0, guest_present[NR_FILE_PAGES], win_present = 0, v;
	uint64_t e[PIECES], word;
	size_t page, i;
	enum op op;

	for (op = 0; op < OP_ALL; op++)
		before += atomic_load(&st.errors[op]);
	for (page = 0; page < NR_FILE_PAGES; page++) {
		uint64_t head = atomic_load(&st.sh->head[page]);
		long vmas = 0, n, kpc, kpc_tail;
		size_t tail = 1 + (size_t)(head * 2654435761u % (PIECES - 1));

		if (atomic_load(&st.sh->seq[page]) & 1)
			fail(OP_QUIESCE, "%s: hugepage %zu: punch still under way", when, page);
		if (alias_head(page) != head)
			fail(OP_QUIESCE, "%s: hugepage %zu: alias head %#" PRIx64 ", recorded %#"
			     PRIx64, when, page, alias_head(page), head);
		read_pagemap(e, st.s.backing + page * HPAGE, PIECES);
		n = check_entries(OP_QUIESCE, "alias", e, page, head, true);
		if (n != (long)PIECES)
			fail(OP_QUIESCE, "%s: hugepage %zu: alias maps %ld pieces, want all",
			     when, page, n);
		vmas += n > 0;
		present_all += n > 0 ? n : 0;
		read_pagemap(e, st.s.guest + page * HPAGE, PIECES);
		n = check_entries(OP_QUIESCE, "guest", e, page, head, true);
		vmas += n > 0;
		present_all += n > 0 ? n : 0;
		guest_present[page] = n > 0 ? n : 0;
		if (st.window && page >= st.window_page && page < st.window_page + st.window_pages) {
			read_pagemap(e, st.window + (page - st.window_page) * HPAGE, PIECES);
			n = check_entries(OP_QUIESCE, "window", e, page, head, true);
			vmas += n > 0;
			present_all += n > 0 ? n : 0;
			win_present += n > 0 ? n : 0;
		}
		kpc = kpagecount(head);
		kpc_tail = kpagecount(head + tail);
		if (kpc != vmas || kpc_tail != vmas)
			fail(OP_QUIESCE, "%s: hugepage %zu (PFN %#" PRIx64 "): kpagecount %ld, of "
			     "piece %zu %ld; %ld VMAs map it", when, page, head, kpc, tail,
			     kpc_tail, vmas);
		if (check_words(st.s.backing + page * HPAGE, page, 0, WORDS_PER_PAGE, &i, &word))
			fail(OP_QUIESCE, "%s: hugepage %zu word %zu reads %#" PRIx64
			     " through the alias", when, page, i, word);
	}
	/*
	 *   smaps Pmd + Pte of a VMA = 4 kB x its present pagemap entries
	 *   HugetlbPages             = 4 kB x all present entries (pieces count
	 *                              in hugetlb_usage in base pages)
	 */
	for (page = 0; page < NR_FILE_PAGES; page = guest_vma_end(page)) {
		unsigned char *g = st.s.guest + page * HPAGE;
		long want = 0;

		for (i = page; i < guest_vma_end(page); i++)
			want += guest_present[i] * (long)(PIECE / KIB);
		v = SMAPS_KB(g, HGM_SMAPS_PMD_MAPPED) + SMAPS_KB(g, HGM_SMAPS_PTE_MAPPED);
		if (v != want)
			fail(OP_QUIESCE, "%s: guest VMA at hugepage %zu: smaps maps %ld kB, "
			     "pagemap %ld kB", when, page, v, want);
	}
	if (st.window) {
		v = SMAPS_KB(st.window, HGM_SMAPS_PMD_MAPPED) +
		    SMAPS_KB(st.window, HGM_SMAPS_PTE_MAPPED);
		if (v != win_present * (long)(PIECE / KIB))
			fail(OP_QUIESCE, "%s: window smaps maps %ld kB, pagemap %ld pieces", when,
			     v, win_present);
	}
	v = status_kb("HugetlbPages");
	if (v != present_all * (long)(PIECE / KIB))
		fail(OP_QUIESCE, "%s: HugetlbPages %ld kB, pagemap %ld pieces", when, v,
		     present_all);
	v = wait_free_hugepages(free_before - NR_FILE_PAGES);
	if (v != free_before - NR_FILE_PAGES)
		fail(OP_QUIESCE, "%s: %ld free hugepages, want %ld (the file holds %d)", when, v,
		     free_before - NR_FILE_PAGES, NR_FILE_PAGES);
	/* the guest reads right too (this maps what it touches) */
	for (page = 0; page < NR_FILE_PAGES; page++)
		verify_words(OP_QUIESCE, "guest at rest", st.s.guest + page * HPAGE, page,
			     0, WORDS_PER_PAGE);
	/* the flip page's checkers expect at most one piece or a PMD */
	if (madvise(st.s.guest + FLIP_PAGE * HPAGE, HPAGE, MADV_DONTNEED))
		fail(OP_QUIESCE, "DONTNEED of the flip page: %s", strerror(errno));
	atomic_fetch_add(&st.count[OP_QUIESCE], 1);
	v = 0;
	for (op = 0; op < OP_ALL; op++)
		v += atomic_load(&st.errors[op]);
	return v - before;
}

/* Parks every worker (a blocked one is served by the handler meanwhile). */
static bool park_workers(void)
{
	uint64_t until = now_ms() + 60000;

	atomic_store(&st.pause, 1);
	while (atomic_load(&st.parked) != NR_WORKERS + NR_READERS) {
		if (now_ms() > until)
			return false;
		usleep(1000);
	}
	return true;
}

FIXTURE(stress)
{
	long free_before;
};

FIXTURE_SETUP(stress)
{
	self->free_before = free_hugepages();
}

FIXTURE_TEARDOWN(stress)
{
}

/*
 * Everything HGM can do, at once, on one file, for HGM_STRESS_SECONDS:
 * no wrong byte, no wrong PFN, smaps within bounds, kpagecount by the
 * counting rule at each quiescent point, and the pool whole at the end.
 */
TEST_F_TIMEOUT(stress, racing_hgm_operations_keep_data_pfns_counts_and_pool_right, 600)
{
	struct worker workers[NR_WORKERS + NR_READERS];
	const char *why, *env = getenv("HGM_STRESS_SECONDS");
	long seconds = env ? strtol(env, NULL, 10) : 90, total = 0;
	pthread_t handler;
	size_t page, i;
	int phase;
	enum op op;

	if (seconds <= 0)
		seconds = 90;
	if (!kernel_has_hgm())
		SKIP(return, "kernel has no HGM");
	if (geteuid())
		SKIP(return, "needs root for PFNs, kpagecount and gup_test");
	if (self->free_before < 2 * NR_FILE_PAGES)
		SKIP(return, "needs %d free 2 MiB hugepages", 2 * NR_FILE_PAGES);
	why = hgm_setup_init(&st.s, NR_FILE_PAGES, HGM_FEATURES, MAP_SHARED);
	if (why) {
		hgm_setup_release(&st.s);
		SKIP(return, "%s", why);
	}
	/*
	 * The guest in VMAs (alternate VM_DONTDUMP keeps them from merging):
	 *
	 *   | 0 | 1 | 2 | 3 | 4   5   6   7 | 8 |     hugepages
	 *   one each, for a tight smaps check; walkers cross their boundaries;
	 *   four in one, for runs across hugepages in one VMA; the flip page
	 */
	for (page = 0, i = 0; page < NR_FILE_PAGES; page = guest_vma_end(page), i++)
		if (i & 1)
			ASSERT_EQ(0, madvise(st.s.guest + page * HPAGE,
					     (guest_vma_end(page) - page) * HPAGE, MADV_DONTDUMP));
	st.sh = mmap(NULL, sizeof(*st.sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	ASSERT_NE(MAP_FAILED, st.sh);
	st.pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, st.pagemap_fd);
	st.gup_fd = open("/sys/kernel/debug/gup_test", O_RDWR | O_CLOEXEC);
	if (st.gup_fd < 0)
		ksft_print_msg("no /sys/kernel/debug/gup_test (CONFIG_GUP_TEST): no GUP operations\n");
	pthread_mutex_init(&st.window_lock, NULL);
	for (op = 0; op < OP_NR; op++)
		total_weight += ops[op].weight;
	for (page = 0; page < NR_FILE_PAGES; page++) {
		pthread_mutex_init(&st.page_lock[page], NULL);
		fill_page(page);
		st.sh->head[page] = alias_head(page);
		ASSERT_NE(0, st.sh->head[page]);
		ASSERT_EQ(0, st.sh->head[page] % PIECES);
	}
	ASSERT_EQ(0, pthread_create(&handler, NULL, handler_run, NULL));
	for (i = 0; i < NR_WORKERS + NR_READERS; i++) {
		workers[i].id = (unsigned int)i;
		workers[i].only = i < NR_WORKERS ? OP_ALL :
				  i == NR_WORKERS ? OP_PAGEMAP :
				  i == NR_WORKERS + 1 ? OP_SMAPS : OP_FLIP;
		workers[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1) ^ (uint64_t)now_ms();
		workers[i].tokens = 0;
		ASSERT_EQ(0, pthread_create(&workers[i].thread, NULL, worker_run, &workers[i]));
	}
	ksft_print_msg("%d workers, %d readers, %d hugepages, %ld s in %d phases\n", NR_WORKERS,
		       NR_READERS, NR_PAGES, seconds, NR_PHASES);

	for (phase = 1; phase <= NR_PHASES; phase++) {
		uint64_t until = now_ms() + (uint64_t)seconds * 1000 / NR_PHASES;
		char when[32];

		while (now_ms() < until && atomic_load(&st.messages) < MAX_MESSAGES)
			usleep(100000);
		snprintf(when, sizeof(when), "after phase %d", phase);
		if (!park_workers()) {
			fail(OP_QUIESCE, "%s: workers did not park within 60 s", when);
			break;
		}
		if (phase == NR_PHASES)
			atomic_store(&st.stop, 1);
		quiescent_check(self->free_before, when);
		atomic_store(&st.pause, 0);
		if (atomic_load(&st.messages) >= MAX_MESSAGES)
			break;
	}
	atomic_store(&st.stop, 1);
	for (i = 0; i < NR_WORKERS + NR_READERS; i++)
		pthread_join(workers[i].thread, NULL);
	atomic_store(&st.handler_stop, 1);
	pthread_join(handler, NULL);

	for (op = 0; op < OP_ALL; op++) {
		if (op < OP_NR && atomic_load(&st.short_gup[op]))
			ksft_print_msg("%-13s %9ld ops %6ld errors (%ld ended at a hole)\n",
				       ops[op].name, atomic_load(&st.count[op]),
				       atomic_load(&st.errors[op]), atomic_load(&st.short_gup[op]));
		else
			ksft_print_msg("%-13s %9ld ops %6ld errors\n", ops[op].name,
				       atomic_load(&st.count[op]), atomic_load(&st.errors[op]));
		total += atomic_load(&st.errors[op]);
	}

	if (st.window)
		munmap(st.window, st.window_pages * HPAGE);
	st.window = NULL;
	close(st.pagemap_fd);
	if (st.gup_fd >= 0)
		close(st.gup_fd);
	hgm_setup_release(&st.s);
	EXPECT_EQ(self->free_before, wait_free_hugepages(self->free_before));
	EXPECT_EQ(0, total);
	munmap(st.sh, sizeof(*st.sh));
}

TEST_HARNESS_MAIN
