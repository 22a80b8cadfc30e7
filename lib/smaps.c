// SPDX-License-Identifier: LGPL-2.1-or-later
/* smaps.c - streaming /proc/PID/smaps parser: one buffer, one pass, no allocation per line */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hgm-private.h"

#define SMAPS_BUF_INIT	(64 * 1024)
#define SMAPS_LINE_MAX	(1024 * 1024)	/* longer "lines" are not smaps */
/* no address space is larger (x86-64 and arm64, 5-level/52-bit): caps counters without Size */
#define SMAPS_MAX_BYTES	(UINT64_C(1) << 57)

struct hgm_smaps {
	int fd;
	int pidfd;		/* live target: tells whether it exited mid-read */
	char *buf;
	size_t cap, len, pos;	/* unconsumed text is buf[pos, len) */
	bool eof;
	unsigned long lineno;
	unsigned long header_line;	/* of the VMA being read */
	uint64_t prev_end;		/* VMAs come in address order, apart */
	const struct hgm_ctx *ctx;	/* where refusals are told (NULL: nowhere) */
	char path[64];
};

enum value_kind { VAL_KB, VAL_NUMBER };

static const struct smaps_label {
	const char *name;
	unsigned char len;
	unsigned char kind;
} labels[HGM_SM_NR_FIELDS] = {
#define L(f, n, k) [f] = { n, sizeof(n) - 1, k }
	L(HGM_SM_SIZE,			"Size",			VAL_KB),
	L(HGM_SM_KERNEL_PAGE_SIZE,	"KernelPageSize",	VAL_KB),
	L(HGM_SM_MMU_PAGE_SIZE,		"MMUPageSize",		VAL_KB),
	L(HGM_SM_RSS,			"Rss",			VAL_KB),
	L(HGM_SM_PSS,			"Pss",			VAL_KB),
	L(HGM_SM_PSS_DIRTY,		"Pss_Dirty",		VAL_KB),
	L(HGM_SM_PSS_ANON,		"Pss_Anon",		VAL_KB),
	L(HGM_SM_PSS_FILE,		"Pss_File",		VAL_KB),
	L(HGM_SM_PSS_SHMEM,		"Pss_Shmem",		VAL_KB),
	L(HGM_SM_SHARED_CLEAN,		"Shared_Clean",		VAL_KB),
	L(HGM_SM_SHARED_DIRTY,		"Shared_Dirty",		VAL_KB),
	L(HGM_SM_PRIVATE_CLEAN,		"Private_Clean",	VAL_KB),
	L(HGM_SM_PRIVATE_DIRTY,		"Private_Dirty",	VAL_KB),
	L(HGM_SM_REFERENCED,		"Referenced",		VAL_KB),
	L(HGM_SM_ANONYMOUS,		"Anonymous",		VAL_KB),
	L(HGM_SM_KSM,			"KSM",			VAL_KB),
	L(HGM_SM_LAZY_FREE,		"LazyFree",		VAL_KB),
	L(HGM_SM_ANON_HUGE_PAGES,	"AnonHugePages",	VAL_KB),
	L(HGM_SM_SHMEM_PMD_MAPPED,	"ShmemPmdMapped",	VAL_KB),
	L(HGM_SM_FILE_PMD_MAPPED,	"FilePmdMapped",	VAL_KB),
	L(HGM_SM_SHARED_HUGETLB,	"Shared_Hugetlb",	VAL_KB),
	L(HGM_SM_PRIVATE_HUGETLB,	"Private_Hugetlb",	VAL_KB),
	L(HGM_SM_SWAP,			"Swap",			VAL_KB),
	L(HGM_SM_SWAP_PSS,		"SwapPss",		VAL_KB),
	L(HGM_SM_LOCKED,		"Locked",		VAL_KB),
	L(HGM_SM_HUGETLB_PUD_MAPPED,	HGM_SMAPS_PUD_MAPPED,	VAL_KB),
	L(HGM_SM_HUGETLB_PMD_MAPPED,	HGM_SMAPS_PMD_MAPPED,	VAL_KB),
	L(HGM_SM_HUGETLB_PTE_MAPPED,	HGM_SMAPS_PTE_MAPPED,	VAL_KB),
	L(HGM_SM_THP_ELIGIBLE,		"THPeligible",		VAL_NUMBER),
	L(HGM_SM_PROTECTION_KEY,	"ProtectionKey",	VAL_NUMBER),
#undef L
};

static const char vmflag_names[HGM_VF_NR_FLAGS][3] = {
	"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "pf", "lo", "io",
	"sr", "rr", "dc", "de", "lf", "ac", "nr", "ht", "sf", "ar", "wf", "dd",
	"bt", "sd", "mm", "hg", "nh", "mg", "um", "uw", "ss", "mt", "sl",
	HGM_VMFLAG_MNEMONIC,
};

HGM_EXPORT const char *hgm_smaps_field_name(enum hgm_smaps_field f)
{
	return f < HGM_SM_NR_FIELDS ? labels[f].name : NULL;
}

HGM_EXPORT const char *hgm_vmflag_name(enum hgm_vmflag f)
{
	return f < HGM_VF_NR_FLAGS ? vmflag_names[f] : NULL;
}

HGM_EXPORT int hgm_smaps_open_fd(int fd, struct hgm_smaps **out)
{
	struct hgm_smaps *sm = calloc(1, sizeof(*sm));

	if (!sm)
		goto nomem;
	sm->buf = malloc(SMAPS_BUF_INIT);
	if (!sm->buf)
		goto nomem;
	sm->cap = SMAPS_BUF_INIT;
	sm->fd = fd;
	sm->pidfd = -1;
	*out = sm;
	return 0;
nomem:
	free(sm);
	close(fd);
	return -ENOMEM;
}

int hgm_smaps_open_path(const struct hgm_ctx *ctx, const char *path, struct hgm_smaps **out)
{
	int fd = hgm_ctx_open(ctx, path, O_RDONLY), ret;

	if (fd < 0)
		return fd;
	ret = hgm_smaps_open_fd(fd, out);
	if (ret == 0) {
		(*out)->ctx = ctx;
		snprintf((*out)->path, sizeof((*out)->path), "%s", path);
	}
	return ret;
}

HGM_EXPORT int hgm_smaps_open(const struct hgm_ctx *ctx, pid_t pid, struct hgm_smaps **out)
{
	char path[64];
	int ret;

	hgm_proc_path(path, sizeof(path), pid, "smaps");
	ret = hgm_smaps_open_path(ctx, path, out);
	if (ret == -ENOENT)
		return -ESRCH;
	if (ret == 0 && pid > 0 && hgm_ctx_is_live(ctx))
		(*out)->pidfd = syscall(SYS_pidfd_open, pid, 0);	/* -1: no exit check */
	return ret;
}

HGM_EXPORT void hgm_smaps_free(struct hgm_smaps *sm)
{
	if (!sm)
		return;
	close(sm->fd);
	if (sm->pidfd >= 0)
		close(sm->pidfd);
	free(sm->buf);
	free(sm);
}

HGM_EXPORT unsigned long hgm_smaps_lineno(const struct hgm_smaps *sm)
{
	return sm->lineno;
}

/* Refuses line @line of the text: tells the context why; returns -EBADMSG. */
static int __attribute__((format(printf, 3, 4)))
smaps_fail(struct hgm_smaps *sm, unsigned long line, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (!sm->ctx)
		return -EBADMSG;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return hgm_ctx_fail(sm->ctx, sm->path, "line %lu: %s", line, why);
}

/* Reads more text; returns 0, or -errno. */
static int smaps_fill(struct hgm_smaps *sm)
{
	ssize_t n;

	if (sm->pos > 0) {
		memmove(sm->buf, sm->buf + sm->pos, sm->len - sm->pos);
		sm->len -= sm->pos;
		sm->pos = 0;
	}
	if (sm->len == sm->cap) {
		char *nb;

		if (sm->cap >= SMAPS_LINE_MAX)
			return smaps_fail(sm, sm->lineno + 1, "longer than %d bytes",
					  SMAPS_LINE_MAX);
		nb = realloc(sm->buf, sm->cap * 2);
		if (!nb)
			return -ENOMEM;
		sm->buf = nb;
		sm->cap *= 2;
	}
	do
		n = read(sm->fd, sm->buf + sm->len, sm->cap - sm->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	if (n == 0)
		sm->eof = true;
	sm->len += n;
	return 0;
}

/*
 * Returns the next line (not consumed) in *line and *end, 1 if there is one, 0 at
 * the end of input, or -errno.  A last line without a newline means the text
 * was cut: -EBADMSG.
 */
static int smaps_peek(struct hgm_smaps *sm, const char **line, const char **end)
{
	for (;;) {
		char *s = sm->buf + sm->pos;
		char *nl = memchr(s, '\n', sm->len - sm->pos);
		int ret;

		if (nl) {
			*line = s;
			*end = nl;
			return 1;
		}
		if (sm->eof) {
			if (sm->len == sm->pos)
				return 0;
			sm->lineno++;
			return smaps_fail(sm, sm->lineno, "cut short (no newline at the end)");
		}
		ret = smaps_fill(sm);
		if (ret)
			return ret;
	}
}

static void smaps_consume(struct hgm_smaps *sm, const char *end)
{
	sm->pos = end + 1 - sm->buf;
	sm->lineno++;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool parse_hex(const char **pp, const char *end, uint64_t *val)
{
	const char *p = *pp;
	uint64_t v = 0;
	int d;

	if (p >= end || hexval(*p) < 0)
		return false;
	for (; p < end && (d = hexval(*p)) >= 0; p++) {
		if (v >> 60)
			return false;
		v = v << 4 | d;
	}
	*val = v;
	*pp = p;
	return true;
}

static bool parse_dec(const char **pp, const char *end, uint64_t *val)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= end || !isdigit((unsigned char)*p))
		return false;
	for (; p < end && isdigit((unsigned char)*p); p++) {
		unsigned int d = *p - '0';

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*val = v;
	*pp = p;
	return true;
}

static bool skip_char(const char **pp, const char *end, char c)
{
	if (*pp >= end || **pp != c)
		return false;
	(*pp)++;
	return true;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* "start-end perms offset major:minor inode [name]" */
static bool parse_header(const char *p, const char *end, struct hgm_vma *v)
{
	uint64_t major, minor;
	size_t n;

	if (!parse_hex(&p, end, &v->start) || !skip_char(&p, end, '-') ||
	    !parse_hex(&p, end, &v->end) || !skip_char(&p, end, ' '))
		return false;
	if (end - p < 5 || p[4] != ' ')
		return false;
	memcpy(v->perms, p, 4);
	v->perms[4] = '\0';
	p += 5;
	if (!parse_hex(&p, end, &v->offset) || !skip_char(&p, end, ' ') ||
	    !parse_hex(&p, end, &major) || !skip_char(&p, end, ':') ||
	    !parse_hex(&p, end, &minor) || !skip_char(&p, end, ' ') ||
	    !parse_dec(&p, end, &v->inode))
		return false;
	if (p < end && *p != ' ')
		return false;
	v->dev_major = major;
	v->dev_minor = minor;
	p = skip_blanks(p, end);
	n = end - p;
	if (n >= sizeof(v->name))
		n = sizeof(v->name) - 1;
	memcpy(v->name, p, n);
	v->name[n] = '\0';
	return true;
}

static bool is_header(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && hexval(*q) >= 0)
		q++;
	return q > p && q < end && *q == '-';
}

static void parse_vmflags(const char *p, const char *end, struct hgm_vma *v)
{
	size_t n = end - p;
	unsigned int i;

	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= sizeof(v->vmflags_str))
		n = sizeof(v->vmflags_str) - 1;
	memcpy(v->vmflags_str, p, n);
	v->vmflags_str[n] = '\0';
	v->vmflags = 0;
	for (p = v->vmflags_str; *p; ) {
		const char *w = p;

		while (*p && *p != ' ')
			p++;
		if (p - w == 2) {
			for (i = 0; i < HGM_VF_NR_FLAGS; i++)
				if (w[0] == vmflag_names[i][0] && w[1] == vmflag_names[i][1]) {
					v->vmflags |= UINT64_C(1) << i;
					break;
				}
		}
		while (*p == ' ')
			p++;
	}
}

/*
 * Finds the field called [p, p + len).  smaps prints its fields in a fixed
 * order, so the search starts after the previous hit: one comparison per line
 * in the common case, a full scan for unknown labels.
 */
static int find_label(const char *p, size_t len, unsigned int *hint)
{
	unsigned int i, f;

	for (i = 0; i < HGM_SM_NR_FIELDS; i++) {
		f = (*hint + i) % HGM_SM_NR_FIELDS;
		if (labels[f].len == len && memcmp(labels[f].name, p, len) == 0) {
			*hint = f + 1;
			return f;
		}
	}
	return -1;
}

/*
 * What the kernel guarantees of a value: page sizes are page sizes, Size is
 * the VMA's length, and no counter exceeds it (so sums over VMAs, which do not
 * overlap, cannot wrap).  Returns 0 or -EBADMSG.
 */
static int check_field(struct hgm_smaps *sm, const struct hgm_vma *v, int f, uint64_t val)
{
	uint64_t len = v->end - v->start;

	if (labels[f].kind != VAL_KB)
		return 0;
	if (f == HGM_SM_KERNEL_PAGE_SIZE || f == HGM_SM_MMU_PAGE_SIZE) {
		if (!hgm_is_page_size(val))
			return smaps_fail(sm, sm->lineno, "%s %" PRIu64 " kB is not a page size",
					  labels[f].name, val / 1024);
		return 0;
	}
	if (f == HGM_SM_SIZE) {
		if (val != len)
			return smaps_fail(sm, sm->lineno, "Size %" PRIu64 " kB is not the "
					  "length of VMA %" PRIx64 "-%" PRIx64, val / 1024,
					  v->start, v->end);
		return 0;
	}
	if (hgm_vma_has(v, HGM_SM_SIZE) && val > v->field[HGM_SM_SIZE])
		return smaps_fail(sm, sm->lineno, "%s %" PRIu64 " kB exceeds the VMA's Size %"
				  PRIu64 " kB", labels[f].name, val / 1024,
				  v->field[HGM_SM_SIZE] / 1024);
	if (val > SMAPS_MAX_BYTES)
		return smaps_fail(sm, sm->lineno, "%s %" PRIu64 " kB exceeds any address space",
				  labels[f].name, val / 1024);
	return 0;
}

/* "Label:   value [kB]"; returns false if the line is not of that form. */
static bool parse_field(const char *p, const char *end, struct hgm_vma *v, unsigned int *hint,
			int *field)
{
	const char *label = p;
	uint64_t val;
	int f;

	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	if (p == label || p >= end || *p != ':')
		return false;
	if (p - label == 7 && memcmp(label, "VmFlags", 7) == 0) {
		parse_vmflags(skip_blanks(p + 1, end), end, v);
		return true;
	}
	f = find_label(label, p - label, hint);
	if (f < 0) {
		v->unknown_fields++;
		return true;
	}
	p = skip_blanks(p + 1, end);
	if (!parse_dec(&p, end, &val))
		return false;
	p = skip_blanks(p, end);
	if (labels[f].kind == VAL_KB) {
		if (end - p != 2 || p[0] != 'k' || p[1] != 'B' || val > UINT64_MAX / 1024)
			return false;
		val *= 1024;
	} else if (p != end) {
		return false;
	}
	v->field[f] = val;
	v->present |= UINT64_C(1) << f;
	*field = f;
	return true;
}

/*
 * The header's promises: page-aligned, not empty, after the VMA before.  The
 * one of smaps_rollup spans mmap_base to the last VMA's end: aligned only.
 */
static int check_header(struct hgm_smaps *sm, const struct hgm_vma *v)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	if ((v->start | v->end) & (page - 1))
		return smaps_fail(sm, sm->lineno, "VMA %" PRIx64 "-%" PRIx64 " is not page-aligned",
				  v->start, v->end);
	if (strcmp(v->name, "[rollup]") == 0)
		return 0;
	if (v->start >= v->end)
		return smaps_fail(sm, sm->lineno, "VMA %" PRIx64 "-%" PRIx64 " %s", v->start, v->end,
				  v->start == v->end ? "is empty" : "ends before it starts");
	if (v->start < sm->prev_end)
		return smaps_fail(sm, sm->lineno, "VMA %" PRIx64 "-%" PRIx64 " overlaps the VMA "
				  "before it or comes before it", v->start, v->end);
	return 0;
}

/* What the whole VMA must be: a hugetlb VMA is made of whole hugetlb pages. */
static int check_vma(struct hgm_smaps *sm, const struct hgm_vma *v)
{
	uint64_t ps = v->field[HGM_SM_KERNEL_PAGE_SIZE];

	if (hgm_vma_flag(v, HGM_VF_HT) && hgm_vma_has(v, HGM_SM_KERNEL_PAGE_SIZE) &&
	    ((v->start | v->end) & (ps - 1)))
		return smaps_fail(sm, sm->header_line, "hugetlb VMA %" PRIx64 "-%" PRIx64
				  " is not aligned to its KernelPageSize %" PRIu64 " kB",
				  v->start, v->end, ps / 1024);
	sm->prev_end = v->end;
	return 1;
}

/* Returns true if the target process is known to have exited. */
static bool target_exited(const struct hgm_smaps *sm)
{
	struct pollfd pfd = { .fd = sm->pidfd, .events = POLLIN };

	return sm->pidfd >= 0 && poll(&pfd, 1, 0) == 1;
}

HGM_EXPORT int hgm_smaps_next(struct hgm_smaps *sm, struct hgm_vma *v)
{
	const char *line, *end;
	unsigned int hint = 0;
	int ret;

	/* skip blank lines, then expect a header */
	for (;;) {
		ret = smaps_peek(sm, &line, &end);
		if (ret <= 0) {
			if (ret == 0 && target_exited(sm))
				return -ESRCH;
			return ret;
		}
		if (skip_blanks(line, end) != end)
			break;
		smaps_consume(sm, end);
	}
	hgm_vma_clear(v);
	smaps_consume(sm, end);
	sm->header_line = sm->lineno;
	if (!parse_header(line, end, v))
		return smaps_fail(sm, sm->lineno, "not a VMA header");
	if ((ret = check_header(sm, v)))
		return ret;

	for (;;) {
		int f = -1;

		ret = smaps_peek(sm, &line, &end);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			/* the kernel stops a reader whose target exited: maybe cut */
			if (target_exited(sm))
				return -ESRCH;
			return check_vma(sm, v);
		}
		if (is_header(line, end))
			return check_vma(sm, v);
		smaps_consume(sm, end);
		if (skip_blanks(line, end) == end)
			continue;
		if (!parse_field(line, end, v, &hint, &f))
			return smaps_fail(sm, sm->lineno, "not a smaps field");
		if (f >= 0 && (ret = check_field(sm, v, f, v->field[f])))
			return ret;
	}
}

/* ---- the VMA behind its accessors ------------------------------------------ */

void hgm_vma_clear(struct hgm_vma *v)
{
	memset(v->field, 0, sizeof(v->field));
	v->present = 0;
	v->vmflags = 0;
	v->vmflags_str[0] = '\0';
	v->dax = HGM_DAX_NONE;
	v->dax_align = v->dax_fs_block = UINT64_MAX;
	v->dax_device[0] = '\0';
	v->unknown_fields = 0;
}

HGM_EXPORT int hgm_vma_new(struct hgm_vma **vma)
{
	struct hgm_vma *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	*vma = v;
	return 0;
}

HGM_EXPORT void hgm_vma_free(struct hgm_vma *vma)
{
	free(vma);
}

HGM_EXPORT uint64_t hgm_vma_start(const struct hgm_vma *vma)
{
	return vma->start;
}

HGM_EXPORT uint64_t hgm_vma_end(const struct hgm_vma *vma)
{
	return vma->end;
}

HGM_EXPORT const char *hgm_vma_perms(const struct hgm_vma *vma)
{
	return vma->perms;
}

HGM_EXPORT uint64_t hgm_vma_offset(const struct hgm_vma *vma)
{
	return vma->offset;
}

HGM_EXPORT void hgm_vma_dev(const struct hgm_vma *vma, unsigned int *major, unsigned int *minor)
{
	*major = vma->dev_major;
	*minor = vma->dev_minor;
}

HGM_EXPORT uint64_t hgm_vma_inode(const struct hgm_vma *vma)
{
	return vma->inode;
}

HGM_EXPORT const char *hgm_vma_name(const struct hgm_vma *vma)
{
	return vma->name;
}

HGM_EXPORT uint64_t hgm_vma_field(const struct hgm_vma *vma, enum hgm_smaps_field f)
{
	if ((unsigned int)f >= HGM_SM_NR_FIELDS || !hgm_vma_has(vma, f))
		return HGM_UNKNOWN;
	return vma->field[f];
}

HGM_EXPORT bool hgm_vma_flag(const struct hgm_vma *vma, enum hgm_vmflag f)
{
	return (unsigned int)f < HGM_VF_NR_FLAGS && (vma->vmflags & (UINT64_C(1) << f));
}

HGM_EXPORT const char *hgm_vma_flags(const struct hgm_vma *vma)
{
	return vma->vmflags_str;
}

HGM_EXPORT unsigned int hgm_vma_unknown_fields(const struct hgm_vma *vma)
{
	return vma->unknown_fields;
}

/* ---- classification ------------------------------------------------------ */

static const char *const kind_names[] = {
	[HGM_KIND_HUGETLB] = "hugetlb",
	[HGM_KIND_THP] = "thp",
	[HGM_KIND_ANON] = "anon",
	[HGM_KIND_FILE] = "file",
	[HGM_KIND_SHMEM] = "shmem",
	[HGM_KIND_OTHER] = "other",
	[HGM_KIND_DAX] = "dax",
};

HGM_EXPORT const char *hgm_kind_name(enum hgm_kind k)
{
	return k < ARRAY_SIZE(kind_names) ? kind_names[k] : "other";
}

HGM_EXPORT int hgm_kind_nth(unsigned int n, enum hgm_kind *k)
{
	if (n >= ARRAY_SIZE(kind_names) || !kind_names[n])
		return -ENOENT;
	*k = (enum hgm_kind)n;
	return 0;
}

static const char *const level_names[] = {
	[HGM_LEVEL_PTE] = "pte", [HGM_LEVEL_PMD] = "pmd", [HGM_LEVEL_PUD] = "pud",
};

HGM_EXPORT const char *hgm_level_name(enum hgm_level l)
{
	return l < ARRAY_SIZE(level_names) ? level_names[l] : "?";
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

HGM_EXPORT enum hgm_kind hgm_vma_kind(const struct hgm_vma *v)
{
	const char *n = v->name;

	if (hgm_vma_flag(v, HGM_VF_HT))
		return HGM_KIND_HUGETLB;
	/* shared anonymous memory, SysV shm and memfds live on the kernel's shmem mount */
	if (starts_with(n, "/dev/zero") || starts_with(n, "/SYSV") ||
	    starts_with(n, "/memfd:") || starts_with(n, "[anon_shmem:") ||
	    v->field[HGM_SM_SHMEM_PMD_MAPPED])
		return HGM_KIND_SHMEM;
	if (n[0] == '/')
		return HGM_KIND_FILE;
	if (n[0] == '\0' || strcmp(n, "[heap]") == 0 || strcmp(n, "[stack]") == 0 ||
	    starts_with(n, "[anon:") || starts_with(n, "[stack:"))
		return v->field[HGM_SM_ANON_HUGE_PAGES] ? HGM_KIND_THP : HGM_KIND_ANON;
	return HGM_KIND_OTHER;
}

HGM_EXPORT enum hgm_level hgm_level_of_size(uint64_t page_size, uint64_t pmd_size)
{
	uint64_t base = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t pud_size = pmd_size * (pmd_size / base);

	if (page_size >= pud_size)
		return HGM_LEVEL_PUD;
	if (page_size >= pmd_size)
		return HGM_LEVEL_PMD;
	return HGM_LEVEL_PTE;
}

HGM_EXPORT void hgm_vma_usage(const struct hgm_vma *v, uint64_t pmd_size, struct hgm_vma_usage *u)
{
	memset(u, 0, sizeof(*u));
	u->kind = hgm_vma_kind(v);
	u->page_size = v->field[HGM_SM_KERNEL_PAGE_SIZE];

	u->mapped[HGM_LEVEL_PTE] = HGM_UNKNOWN;
	if (u->kind == HGM_KIND_HUGETLB) {
		u->mapped[HGM_LEVEL_PTE] = 0;
		if (hgm_vma_has(v, HGM_SM_HUGETLB_PUD_MAPPED) ||
		    hgm_vma_has(v, HGM_SM_HUGETLB_PMD_MAPPED) ||
		    hgm_vma_has(v, HGM_SM_HUGETLB_PTE_MAPPED)) {
			u->from_hgm_fields = true;
			u->mapped[HGM_LEVEL_PUD] = v->field[HGM_SM_HUGETLB_PUD_MAPPED];
			u->mapped[HGM_LEVEL_PMD] = v->field[HGM_SM_HUGETLB_PMD_MAPPED];
			u->mapped[HGM_LEVEL_PTE] = v->field[HGM_SM_HUGETLB_PTE_MAPPED];
		} else {
			/* without HGM a hugetlb page is mapped whole, at its size's level */
			u->mapped[hgm_level_of_size(u->page_size, pmd_size)] =
				v->field[HGM_SM_SHARED_HUGETLB] + v->field[HGM_SM_PRIVATE_HUGETLB];
		}
		return;
	}
	u->mapped[HGM_LEVEL_PMD] = v->field[HGM_SM_ANON_HUGE_PAGES] +
				   v->field[HGM_SM_SHMEM_PMD_MAPPED] +
				   v->field[HGM_SM_FILE_PMD_MAPPED];
}
