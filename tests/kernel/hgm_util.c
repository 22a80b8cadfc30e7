// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_util.c - what the HGM kernel tests share (hgm_util.h says what): a
 * compiled test library, as selftests/mm's vm_util.c
 */
#define HGM_NO_HARNESS
#include "hgm_util.h"

int uffd_open(uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

bool kernel_has_hgm(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !ioctl(fd, UFFDIO_API, &api) &&
	     (api.features & UFFD_FEATURE_MINOR_HUGETLBFS_HGM);
	close(fd);
	return ok;
}

int uffd_register_minor(int uffd, void *addr, size_t len)
{
	struct uffdio_register r = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MINOR,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &r) ? -errno : 0;
}

long uffd_continue(int uffd, void *addr, size_t len)
{
	struct uffdio_continue c = {
		.range = { .start = (uintptr_t)addr, .len = len },
	};

	if (ioctl(uffd, UFFDIO_CONTINUE, &c))
		return c.mapped > 0 ? c.mapped : -errno;
	return c.mapped;
}

long free_hugepages(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

long smaps_field(pid_t pid, void *start, const char *key, const char *flag)
{
	char path[64], line[512], want[32];
	bool in = false;
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)start);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		size_t kl = strlen(key);
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {
			in = !strncmp(line, want, strlen(want));
			continue;
		}
		if (!in || strncmp(line, key, kl) || line[kl] != ':')
			continue;
		if (flag) {
			char *p;

			v = 0;
			for (p = strtok(line + kl + 1, " \n"); p; p = strtok(NULL, " \n"))
				if (!strcmp(p, flag))
					v = 1;
		} else {
			v = strtol(line + kl + 1, NULL, 10);
		}
		break;
	}
	fclose(f);
	return v;
}

uint64_t pagemap_entry(pid_t pid, void *addr)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)addr / PIECE * sizeof(e))) != sizeof(e))
		e = 0;
	close(fd);
	return e;
}

long kpagecount(uint64_t pfn)
{
	uint64_t c;
	int fd = open("/proc/kpagecount", O_RDONLY);
	long r = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &c, sizeof(c), (off_t)(pfn * sizeof(c))) == sizeof(c))
		r = (long)c;
	close(fd);
	return r;
}

unsigned char pattern(size_t i)
{
	return (unsigned char)(0x11 + i * 7);
}

const char *hgm_setup_init(struct hgm_setup *s, size_t nr, uint64_t features,
			   int guest_flags)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->memfd = s->uffd = -1;
	if (!kernel_has_hgm())
		return "kernel has no HGM";
	if (free_hugepages() < (long)nr)
		return "not enough free 2 MiB hugepages";
	s->len = nr * HPAGE;
	s->memfd = memfd_create("hgm-test", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	if (s->memfd < 0 || ftruncate(s->memfd, (off_t)s->len))
		return "cannot create a 2 MiB hugetlb memfd";
	s->backing = mmap(NULL, s->len, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	s->guest = mmap(NULL, s->len, PROT_READ | PROT_WRITE, guest_flags, s->memfd, 0);
	if (s->backing == MAP_FAILED || s->guest == MAP_FAILED)
		return "cannot map the hugetlb memfd";
	for (i = 0; i < s->len / PIECE; i++)
		memset(s->backing + i * PIECE, pattern(i), PIECE);
	s->uffd = uffd_open(features);
	if (s->uffd < 0)
		return "cannot open a userfaultfd with the requested features";
	if (uffd_register_minor(s->uffd, s->guest, s->len))
		return "cannot register the guest mapping for MINOR faults";
	return NULL;
}

void hgm_setup_release(struct hgm_setup *s)
{
	if (s->guest && s->guest != MAP_FAILED)
		munmap(s->guest, s->len);
	if (s->backing && s->backing != MAP_FAILED)
		munmap(s->backing, s->len);
	if (s->uffd >= 0)
		close(s->uffd);
	if (s->memfd >= 0)
		close(s->memfd);
	memset(s, 0, sizeof(*s));
	s->memfd = s->uffd = -1;	/* a second call closes nothing */
}

bool pieces_match(const struct hgm_setup *s, size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (memcmp(s->guest + i * PIECE, s->backing + i * PIECE, PIECE) ||
		    s->guest[i * PIECE] != pattern(i))
			return false;
	return true;
}

void *reader_run(void *arg)
{
	struct reader *r = arg;

	r->got = *r->addr;
	return NULL;
}

uint64_t wait_minor_fault(int uffd, int ms)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	if (!(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_MINOR))
		return 1;
	return msg.arg.pagefault.address;
}
