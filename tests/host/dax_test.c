// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dax_test.c - at which level hgmctl says persistent memory is mapped, against
 * what the test measures itself: page faults (one per leaf), the page-table
 * bytes of the process (VmPTE: PTE tables cost 4K per 2M, PMD leaves none)
 * and /proc/self/pagemap read directly.
 *
 * Needs the test guest's legacy pmem (kernel/vm run --pmem 2G): region 1
 * becomes an fsdax namespace with ext4 mounted dax=always, region 0 (the
 * 1 GiB-aligned one) a devdax namespace.  Elsewhere (no e820 pmem, not the guest) every test SKIPs: the
 * setup rewrites the namespaces, which only the guest's pmem may suffer.
 */
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "live.h"

#define PAGE		(4 * K)
#define PMD		(2 * M)
#define PUD		G
#define LEN		(64 * M)		/* 32 PMDs, or 32 PTE tables */
#define MNT		"/mnt/hgm-dax"
#define FILE_NAME	MNT "/data"
#define DAXDEV		"/dev/dax0.0"
#define PM_PFN(e)	((e) & ((UINT64_C(1) << 55) - 1))	/* pagemap entry bits 0-54 */

/* Why the guest's pmem is not here, or NULL when it is. */
static const char *no_pmem(void)
{
	char buf[64] = "";
	FILE *f;

	if (geteuid() != 0)
		return "needs root to set up pmem namespaces";
	f = fopen("/sys/bus/nd/devices/ndbus0/provider", "r");
	if (!f)
		return "no NVDIMM bus: a kernel without CONFIG_LIBNVDIMM, or no --pmem";
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (strncmp(buf, "e820", 4) != 0)
		return "the pmem is not the legacy (memmap=) pmem of kernel/vm run --pmem";
	if (access("/etc/hgm-top", F_OK) != 0)
		return "not the test guest (kernel/vm run --pmem): its pmem namespaces are rewritten";
	if (access("/sys/bus/nd/devices/region1", F_OK) != 0)
		return "one pmem region only: kernel/vm run --pmem makes two";
	if (access("/sys/bus/dax", F_OK) != 0)
		return "no DAX bus: a kernel without CONFIG_DEV_DAX";
	if (system("command -v ndctl >/dev/null && command -v mkfs.ext4 >/dev/null") != 0)
		return "ndctl or mkfs.ext4 missing in the guest (sh .ci/setup installs them)";
	return NULL;
}

/* Region 1 as fsdax with ext4 mounted dax=always on MNT (once per boot). */
static int fsdax_setup(void)
{
	return system("grep -q ' " MNT " ' /proc/mounts || {"
		      " ndctl create-namespace -f -e namespace1.0 -m fsdax -a 2M -M mem >/dev/null &&"
		      " mkfs.ext4 -q -F -b 4096 -E stride=512,stripe_width=512 /dev/pmem1 &&"
		      " mkdir -p " MNT " && mount -o dax=always /dev/pmem1 " MNT "; }");
}

/* Region 0 as devdax with alignment @align ("2M", "1G"). */
static int devdax_setup(const char *align, uint64_t bytes)
{
	char cmd[256];
	uint64_t now = 0;

	if (read_u64("/sys/bus/dax/devices/dax0.0/align", &now) == 0 && now == bytes)
		return 0;
	snprintf(cmd, sizeof(cmd),
		 "ndctl create-namespace -f -e namespace0.0 -m devdax -a %s -M mem >/dev/null",
		 align);
	return system(cmd);
}

/* VmPTE of /proc/self/status, in kB. */
static uint64_t vm_pte_kb(void)
{
	char line[128];
	uint64_t kb = UINT64_MAX;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %" SCNu64, &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* Page faults so far: a DAX fault that allocates a block counts as major. */
static long page_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/* @len bytes of @fd at @off, mapped shared at an address @skew bytes past an @align boundary. */
static char *map_at(int fd, uint64_t len, off_t off, uint64_t align, uint64_t skew)
{
	char *res = mmap(NULL, len + 2 * align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_NORESERVE, -1, 0);
	uintptr_t at;

	if (res == MAP_FAILED)
		return NULL;
	at = (((uintptr_t)res + align - 1) & ~(uintptr_t)(align - 1)) + skew;
	if (mmap((void *)at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, off) ==
	    MAP_FAILED)
		return NULL;
	return (char *)at;
}

/* What the test sees itself of one touched range. */
struct seen {
	long faults;		/* minor faults while touching it */
	int64_t pte_kb;		/* growth of VmPTE meanwhile */
	uint64_t present;	/* bytes pagemap shows present */
	uint64_t pfn_runs;	/* PMD-sized runs of contiguous, PMD-aligned PFNs */
};

/* Writes one byte to every @step bytes of [p, p + len) and measures it. */
static void touch(char *p, uint64_t len, uint64_t step, struct seen *s)
{
	uint64_t pte = vm_pte_kb(), i;
	long flt = page_faults();

	for (i = 0; i < len; i += step)
		p[i] = (char)i;
	s->faults = page_faults() - flt;
	s->pte_kb = (int64_t)(vm_pte_kb() - pte);
}

/* Reads /proc/self/pagemap for [p, p + len): present bytes, aligned PMD runs. */
static void read_pagemap(const char *p, uint64_t len, struct seen *s)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t n = len / PAGE, i, *pm = calloc(n, 8);

	s->present = s->pfn_runs = 0;
	if (fd < 0 || !pm || pread(fd, pm, n * 8, (off_t)((uintptr_t)p / PAGE * 8)) !=
	    (ssize_t)(n * 8))
		goto out;
	for (i = 0; i < n; i++)
		if (pm[i] >> 63)
			s->present += PAGE;
	for (i = 0; i + PMD / PAGE <= n; i += PMD / PAGE) {
		uint64_t pfn = PM_PFN(pm[i]), j;

		if (!(pm[i] >> 63) || !pfn || pfn % (PMD / PAGE))
			continue;
		for (j = 1; j < PMD / PAGE; j++)
			if (PM_PFN(pm[i + j]) != pfn + j)
				break;
		s->pfn_runs += j == PMD / PAGE;
	}
out:
	free(pm);
	if (fd >= 0)
		close(fd);
}

static const char *str_at(const struct jq_value *v, const char *path)
{
	const char *s = jq_str(jq_get(v, path));

	return s ? s : "(none)";
}

/* The PFN /proc/self/pagemap gives for @addr (0 if not present). */
static uint64_t own_pfn(uintptr_t addr)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;

	if (fd >= 0 && pread(fd, &e, 8, (off_t)(addr / PAGE * 8)) != 8)
		e = 0;
	if (fd >= 0)
		close(fd);
	return e >> 63 ? PM_PFN(e) : 0;
}

/*
 * hgmctl pagemap of [@p, @p + @len), all PMD-mapped: one row per PMD leaf,
 * kind dax, the PFN pagemap gives the test, and no page flags or map count
 * (kpageflags has no page behind DAX memory: unknown, never 0).
 */
static void pagemap_rows_are_dax_pmds(struct __test_metadata *_metadata, const char *p,
				      uint64_t len)
{
	struct jq_value *json;
	int status = -1;
	uint64_t i;

	json = pagemap_json(getpid(), (uintptr_t)p, len, &status);
	ASSERT_NE(NULL, json);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, rows_of(json, (uintptr_t)p, PMD, len / PMD));
	for (i = 0; i < len / PMD && i < jq_len(jq_get(json, "folios")); i++) {
		const struct jq_value *r = jq_at(jq_get(json, "folios"), i);

		EXPECT_STREQ("pmd", str_at(r, "level"));
		EXPECT_STREQ("dax", str_at(r, "kind"));
		EXPECT_EQ(own_pfn((uintptr_t)p + i * PMD), hex_at(r, "pfn"));
		EXPECT_EQ(JQ_NULL, jq_type(jq_get(r, "flags")));
		EXPECT_EQ(JQ_NULL, jq_type(jq_get(r, "mapcount")));
	}
	jq_free(json);
}

FIXTURE(dax) {
	struct jq_value *json;
	int fd;
};

FIXTURE_SETUP(dax)
{
	const char *why = no_pmem();

	self->json = NULL;
	self->fd = -1;
	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(dax)
{
	jq_free(self->json);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The file of @size bytes on the DAX mount, its blocks allocated by 2M
 * writes.  ext4 aligns an allocation to the stripe (512 blocks, see
 * fsdax_setup()) when it asks for a multiple of it, which a 2M write does;
 * fallocate asked for the whole file at once and got blocks at 0x2127000.
 */
static int dax_file(struct __test_metadata *_metadata, uint64_t size)
{
	static char zero[PMD];
	struct stat st;
	off_t at;
	int fd;

	if (fsdax_setup() != 0)
		return -1;
	fd = open(FILE_NAME, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || fstat(fd, &st) != 0)
		goto fail;
	for (at = st.st_size / PMD * PMD; at < (off_t)size; at += PMD)
		if (pwrite(fd, zero, PMD, at) != PMD)
			goto fail;
	if (fsync(fd) != 0)
		goto fail;
	TH_LOG("fsdax file %s, %" PRIu64 " MiB", FILE_NAME, size / M);
	return fd;
fail:
	TH_LOG("cannot write %s: %s", FILE_NAME, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * Bytes of [@from, @from + @len) of @fd whose blocks are not at the same
 * offset modulo 2M on the device as in the file (FS_IOC_FIEMAP, read here
 * rather than trusted from hgmctl): a PMD fault needs them to be.
 */
static uint64_t misaligned_bytes(int fd, uint64_t from, uint64_t len)
{
	enum { N = 64 };
	struct fiemap *fm = calloc(1, sizeof(*fm) + N * sizeof(struct fiemap_extent));
	uint64_t bad = 0, at = from, end = from + len;
	unsigned int i;

	while (fm && at < end) {
		memset(fm, 0, sizeof(*fm));
		fm->fm_start = at;
		fm->fm_length = end - at;
		fm->fm_extent_count = N;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0 || !fm->fm_mapped_extents) {
			bad += end - at;
			break;
		}
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *x = &fm->fm_extents[i];

			if ((x->fe_physical - x->fe_logical) % PMD)
				bad += x->fe_length;
			at = x->fe_logical + x->fe_length;
		}
	}
	free(fm);
	return bad;
}

/* Prints what hgmctl and the test saw, for the report. */
static void show(struct __test_metadata *_metadata, const char *what, char *p, uint64_t len,
		 const struct jq_value *vma, const struct seen *s)
{
	char cmd[256], out[8192];

	snprintf(cmd, sizeof(cmd), "-v maps -g %d", (int)getpid());
	hgmctl_text(cmd, out, sizeof(out));
	TH_LOG("%s at %p+%" PRIu64 "M: hgmctl pud %" PRIu64 " pmd %" PRIu64 " pte %" PRIu64
	       " reason %s; test: %ld faults, VmPTE +%" PRId64 " kB, pagemap %" PRIu64
	       " bytes present, %" PRIu64 " aligned PMD runs", what, p, len / M,
	       u64_at(vma, "mapped.pud"), u64_at(vma, "mapped.pmd"), u64_at(vma, "mapped.pte"),
	       str_at(vma, "dax.fallback_reason"), s->faults, s->pte_kb, s->present, s->pfn_runs);
	TH_LOG("hgmctl -v maps -g:\n%s", out);
	/* the smaps record and the mount, as a recorded tree would hold them */
	snprintf(cmd, sizeof(cmd), "awk '/^%lx-/{p=1;print;next} /^[0-9a-f]+-/{p=0} p' "
		 "/proc/%d/smaps; grep dax /proc/%d/mountinfo", (unsigned long)(uintptr_t)p,
		 (int)getpid(), (int)getpid());
	fflush(NULL);
	system(cmd);
}

/*
 * Maps @len bytes of self->fd at @off, @skew bytes past a PMD boundary,
 * writes to every page, and returns hgmctl's JSON row of the VMA with what
 * the test measured in @s (NULL when a step failed, said in the log).
 */
static const struct jq_value *map_touch_look(struct __test_metadata *_metadata,
					     FIXTURE_DATA(dax) *self, uint64_t len, off_t off,
					     uint64_t skew, const char *what, struct seen *s)
{
	const struct jq_value *vma;
	char *p = map_at(self->fd, len, off, PMD, skew);

	if (!p) {
		TH_LOG("%s: mmap: %s", what, strerror(errno));
		return NULL;
	}
	touch(p, len, PAGE, s);
	self->json = maps_json(getpid(), NULL);
	vma = self->json ? vma_at(self->json, (uintptr_t)p) : NULL;
	if (!vma) {
		TH_LOG("%s: hgmctl maps has no VMA at %p", what, p);
		return NULL;
	}
	read_pagemap(p, len, s);
	show(_metadata, what, p, len, vma, s);
	return vma;
}

TEST_F(dax, fsdax_aligned_file_mapping_touched_whole_is_pmd_mapped)
{
	const struct jq_value *vma;
	struct seen s;
	off_t off;

	/*
	 * The premise: LEN bytes of the file whose blocks are PMD-aligned on
	 * the device.  ext4's first allocation on a fresh file system starts
	 * after its metadata, at any block: look past it.
	 */
	self->fd = dax_file(_metadata, LEN + 2 * PMD);
	ASSERT_LE(0, self->fd) TH_LOG("cannot set up ext4 -o dax=always on /dev/pmem1");
	for (off = 0; off <= 2 * PMD; off += PMD)
		if (!misaligned_bytes(self->fd, (uint64_t)off, LEN))
			break;
	ASSERT_GE(2 * PMD, off) TH_LOG("no %" PRIu64 " MiB of the file are PMD-aligned on the device",
				      LEN / M);
	vma = map_touch_look(_metadata, self, LEN, off, 0, "fsdax aligned", &s);
	ASSERT_NE(NULL, vma);
	EXPECT_STREQ("dax", str_at(vma, "kind"));
	EXPECT_STREQ("fsdax", str_at(vma, "dax.type"));
	EXPECT_STREQ("pmem1", str_at(vma, "dax.device"));
	EXPECT_EQ(LEN, u64_at(vma, "mapped.pmd"));
	EXPECT_EQ(0, u64_at(vma, "mapped.pte"));
	EXPECT_STREQ("none", str_at(vma, "dax.fallback_reason"));
	/* one fault per PMD, and no PTE table (32 of them would be 128 kB) */
	EXPECT_EQ((long)(LEN / PMD), s.faults);
	EXPECT_GE(8, s.pte_kb);
	EXPECT_EQ(LEN, s.present);
	EXPECT_EQ(LEN / PMD, s.pfn_runs);
	pagemap_rows_are_dax_pmds(_metadata, (const char *)(uintptr_t)hex_at(vma, "start"), LEN);
}

/* The same file mapped where address and file offset disagree modulo 2M. */
static void misaligned(struct __test_metadata *_metadata, FIXTURE_DATA(dax) *self, off_t off,
		       uint64_t skew, const char *what)
{
	const struct jq_value *vma;
	struct seen s;

	self->fd = dax_file(_metadata, LEN + PMD);
	ASSERT_LE(0, self->fd) TH_LOG("cannot set up ext4 -o dax=always on /dev/pmem1");
	vma = map_touch_look(_metadata, self, LEN, off, skew, what, &s);
	ASSERT_NE(NULL, vma);
	EXPECT_STREQ("dax", str_at(vma, "kind"));
	EXPECT_EQ(0, u64_at(vma, "mapped.pmd"));
	EXPECT_EQ(LEN, u64_at(vma, "mapped.pte"));
	EXPECT_STREQ("offset", str_at(vma, "dax.fallback_reason"));
	/* a fault per page, a PTE table per 2M */
	EXPECT_EQ((long)(LEN / PAGE), s.faults);
	EXPECT_LE((int64_t)(LEN / PMD * 4 - 4), s.pte_kb);
	EXPECT_EQ(LEN, s.present);
}

TEST_F(dax, fsdax_mapping_at_misaligned_offset_is_pte_mapped_with_reason)
{
	misaligned(_metadata, self, PAGE, 0, "fsdax offset 4K");
}

TEST_F(dax, fsdax_mapping_at_misaligned_address_is_pte_mapped_with_reason)
{
	misaligned(_metadata, self, 0, PAGE, "fsdax address +4K");
}

TEST_F(dax, devdax_2m_alignment_maps_pmds)
{
	const struct jq_value *vma;
	struct seen s;

	ASSERT_EQ(0, devdax_setup("2M", PMD)) TH_LOG("ndctl cannot make namespace0.0 devdax 2M");
	self->fd = open(DAXDEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	vma = map_touch_look(_metadata, self, LEN, 0, 0, "devdax 2M", &s);
	ASSERT_NE(NULL, vma);
	EXPECT_STREQ("dax", str_at(vma, "kind"));
	EXPECT_STREQ("devdax", str_at(vma, "dax.type"));
	EXPECT_STREQ("dax0.0", str_at(vma, "dax.device"));
	EXPECT_EQ(PMD, u64_at(vma, "dax.align"));
	EXPECT_EQ(LEN, u64_at(vma, "mapped.pmd"));
	EXPECT_EQ(0, u64_at(vma, "mapped.pte"));
	EXPECT_EQ((long)(LEN / PMD), s.faults);
	EXPECT_GE(8, s.pte_kb);
	EXPECT_EQ(LEN, s.present);
	EXPECT_EQ(LEN / PMD, s.pfn_runs);
	pagemap_rows_are_dax_pmds(_metadata, (const char *)(uintptr_t)hex_at(vma, "start"), LEN);
}

/*
 * 1G alignment: one fault maps the whole gigabyte (a PUD).  On 6.12 any page
 * walk below the PUD zaps such a leaf (pagemap, PAGEMAP_SCAN, and the
 * kernel's own smaps, which --json reads for VmFlags): hgmctl does not scan
 * the VMA and says its levels are unknown rather than 0 or a zapped "none".
 */
TEST_F(dax, devdax_1g_alignment_maps_puds_which_maps_does_not_scan)
{
	const struct jq_value *vma;
	struct seen s, again;
	char *p;

	if (devdax_setup("1G", PUD) != 0)
		SKIP(return, "ndctl cannot align namespace0.0 to 1G (region under 2G?)");
	self->fd = open(DAXDEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	p = map_at(self->fd, PUD, 0, PUD, 0);
	ASSERT_NE(NULL, p) TH_LOG("mmap of 1G of %s: %s", DAXDEV, strerror(errno));
	touch(p, PUD, PMD, &s);
	self->json = maps_json(getpid(), NULL);
	ASSERT_NE(NULL, self->json);
	vma = vma_at(self->json, (uintptr_t)p);
	ASSERT_NE(NULL, vma);
	touch(p, PUD, PMD, &again);
	show(_metadata, "devdax 1G", p, PUD, vma, &s);
	/* 1 when the smaps read zapped the PUD, 0 when nothing did */
	TH_LOG("touched again after hgmctl maps: %ld faults", again.faults);
	EXPECT_STREQ("dax", str_at(vma, "kind"));
	EXPECT_STREQ("devdax", str_at(vma, "dax.type"));
	EXPECT_EQ(PUD, u64_at(vma, "dax.align"));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(vma, "mapped.pud")));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(vma, "mapped.pmd")));
	/* one fault for 512 PMDs' worth, no page table below it */
	EXPECT_EQ(1, s.faults);
	EXPECT_GE(4, s.pte_kb);
	EXPECT_GE(1, again.faults);
}

/* The device of that name in hgmctl status --json's "pmem" array, or NULL. */
static const struct jq_value *pmem_dev(const struct jq_value *json, const char *name)
{
	const struct jq_value *all = jq_get(json, "pmem");
	size_t i;

	for (i = 0; i < jq_len(all); i++)
		if (strcmp(str_at(jq_at(all, i), "device"), name) == 0)
			return jq_at(all, i);
	return NULL;
}

/*
 * status lists the guest's pmem as it is set up: region 1's namespace, which
 * keeps its memmap and serves fsdax without a pfn device, aligned as its
 * physical start is (read here from the namespace's resource), and region
 * 0's devdax device with the alignment ndctl gave it.
 */
TEST_F(dax, status_lists_fsdax_and_devdax_devices_with_their_alignment)
{
	const struct jq_value *d;
	uint64_t start = 0, align;
	char buf[64] = "";
	FILE *f;
	int status = -1;

	ASSERT_EQ(0, fsdax_setup());
	ASSERT_EQ(0, devdax_setup("2M", PMD)) TH_LOG("ndctl cannot make namespace0.0 devdax 2M");
	f = fopen("/sys/block/pmem1/device/resource", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	start = strtoull(buf, NULL, 16);
	ASSERT_NE(0, start);
	for (align = PUD; align > PAGE && start % align; align >>= 9)
		;
	self->json = hgmctl_json("status --json", &status);
	ASSERT_NE(NULL, self->json);
	EXPECT_EQ(0, status);
	d = pmem_dev(self->json, "pmem1");
	ASSERT_NE(NULL, d);
	EXPECT_STREQ("fsdax", str_at(d, "mode"));
	EXPECT_EQ(align, u64_at(d, "align")) TH_LOG("namespace1.0 starts at %#" PRIx64, start);
	d = pmem_dev(self->json, "dax0.0");
	ASSERT_NE(NULL, d);
	EXPECT_STREQ("devdax", str_at(d, "mode"));
	EXPECT_EQ(PMD, u64_at(d, "align"));
}

TEST_HARNESS_MAIN
