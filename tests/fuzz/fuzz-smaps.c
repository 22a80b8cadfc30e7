// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-smaps.c - libFuzzer target: the smaps record parser (hgm_smaps_next)
 * on any text, through a memfd as a recorded tree's file would come.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hgm.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hgm_smaps *sm;
	struct hgm_vma *v;
	int fd = memfd_create("smaps", MFD_CLOEXEC), ret;
	unsigned long records = 0;

	if (fd < 0 || hgm_vma_new(&v))
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	if (hgm_smaps_open_fd(fd, &sm))
		abort();
	while ((ret = hgm_smaps_next(sm, v)) > 0) {
		(void)hgm_vma_kind(v);
		records++;
	}
	/* every record starts on a line of its own */
	FUZZ_CHECK(records <= size / 2 + 1);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -ENOMEM);
	hgm_smaps_free(sm);
	hgm_vma_free(v);
	return 0;
}
