// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-sysfs.c - libFuzzer target: the readers of sysfs numbers and choice
 * lists (hgm_pools_read, hgm_thp_read) on a recorded tree whose every pool
 * count, THP choice and khugepaged number holds the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hgm.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
	"sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
	"sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
	"sys/kernel/mm/hugepages/hugepages-2048kB/surplus_hugepages",
	"sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages",
	"sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages",
	"sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages",
	"sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages",
	"sys/kernel/mm/transparent_hugepage/enabled",
	"sys/kernel/mm/transparent_hugepage/defrag",
	"sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
	"sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none",
	"sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled",
};

static char root[] = "/tmp/hgm-fuzz-sysfs-XXXXXX";

static void remove_tree(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", root);
}

static void make_tree(void)
{
	char path[256], *slash;
	size_t i;

	if (!mkdtemp(root))
		abort();
	atexit(remove_tree);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
			*slash = '\0';
			mkdir(path, 0755);
			*slash = '/';
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int made;
	struct hgm_pools *pools;
	struct hgm_thp *thp;
	struct hgm_ctx *ctx;
	char path[256];
	size_t i;
	int fd;

	if (!made++)
		make_tree();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
			abort();
		close(fd);
	}
	if (hgm_ctx_new(&ctx, root))
		abort();
	if (hgm_pools_read(ctx, &pools) == 0)
		hgm_pools_free(pools);
	if (hgm_thp_read(ctx, &thp) == 0) {
		FUZZ_CHECK(memchr(thp->enabled, '\0', sizeof(thp->enabled)));
		FUZZ_CHECK(memchr(thp->defrag, '\0', sizeof(thp->defrag)));
		hgm_thp_free(thp);
	}
	hgm_ctx_free(ctx);
	return 0;
}
