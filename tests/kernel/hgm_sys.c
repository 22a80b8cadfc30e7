// SPDX-License-Identifier: GPL-2.0-or-later
/* hgm_sys.c - settings saved and put back, NUMA nodes, one faulting access (hgm_sys.h) */
#define HGM_NO_HARNESS
#include "hgm_sys.h"

static sigjmp_buf hgm_fault_jmp;
static volatile struct fault_report hgm_fault_seen;

static void hgm_on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hgm_fault_seen.sig = sig;
	hgm_fault_seen.code = si->si_code;
	hgm_fault_seen.addr = (uintptr_t)si->si_addr;
	hgm_fault_seen.addr_lsb = si->si_addr_lsb;
	siglongjmp(hgm_fault_jmp, 1);
}

int sys_read(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = 0;
	if (r && buf[r - 1] == '\n')
		buf[r - 1] = 0;
	return 0;
}

int sys_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r, len = (ssize_t)strlen(val);

	if (fd < 0)
		return -errno;
	r = write(fd, val, (size_t)len);
	close(fd);
	if (r < 0)
		return -errno;
	return r == len ? 0 : -EIO;
}

int setting_set(struct saved_setting *s, const char *path, const char *val)
{
	int r;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	r = sys_read(path, s->old, sizeof(s->old));
	if (r)
		return r;
	s->saved = true;
	return sys_write(path, val);
}

void setting_restore(struct saved_setting *s)
{
	if (s->saved)
		sys_write(s->path, s->old);
	s->saved = false;
}

long sys_read_long(const char *path)
{
	char buf[64];

	if (sys_read(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 0);
}

int vma_flag_at(void *addr, const char *flag)
{
	uintptr_t a = (uintptr_t)addr;
	char line[512];
	bool in = false;
	int v = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char *p;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = lo <= a && a < hi;
			continue;
		}
		if (!in || strncmp(line, "VmFlags:", 8))
			continue;
		v = 0;
		for (p = strtok(line + 8, " \n"); p; p = strtok(NULL, " \n"))
			if (!strcmp(p, flag))
				v = 1;
		break;
	}
	fclose(f);
	return v;
}

int node_of(void *addr)
{
	int node = -1;

	if (syscall(__NR_get_mempolicy, &node, NULL, 0UL, addr, MPOL_F_NODE | MPOL_F_ADDR))
		return -errno;
	return node;
}

bool node_online(int n)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
	return access(path, F_OK) == 0;
}

struct fault_report access_once(volatile unsigned char *p, enum access_kind k,
				int *ret)
{
	struct sigaction sa = { .sa_sigaction = hgm_on_fault, .sa_flags = SA_SIGINFO };
	struct sigaction old_bus, old_segv;
	struct fault_report r;

	memset((void *)&hgm_fault_seen, 0, sizeof(hgm_fault_seen));
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	if (!sigsetjmp(hgm_fault_jmp, 1)) {
		if (k == ACCESS_READ) {
			(void)*p;
		} else if (k == ACCESS_WRITE) {
			*p = *p;
		} else {
			int e = madvise((void *)((uintptr_t)p & ~(uintptr_t)(PIECE - 1)), PIECE,
					MADV_HWPOISON);

			*ret = e ? -errno : 0;
		}
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	r.sig = hgm_fault_seen.sig;
	r.code = hgm_fault_seen.code;
	r.addr = hgm_fault_seen.addr;
	r.addr_lsb = hgm_fault_seen.addr_lsb;
	return r;
}

const char *sigbus_code_name(int code)
{
	switch (code) {
	case BUS_ADRALN: return "BUS_ADRALN";
	case BUS_ADRERR: return "BUS_ADRERR";
	case BUS_OBJERR: return "BUS_OBJERR";
	case BUS_MCEERR_AR: return "BUS_MCEERR_AR";
	case BUS_MCEERR_AO: return "BUS_MCEERR_AO";
	default: return "?";
	}
}
