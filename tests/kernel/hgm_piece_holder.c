// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_piece_holder.c - map a 2 MiB hugetlb page 4 KiB by 4 KiB and hold it:
 * for showing HGM with smaps, pagemap and hgmctl (tests/kernel/hgm-demo).
 *
 * usage: hgm_piece_holder PIECES   maps pieces 0, 2, 4, ... (PIECES of them)
 * of one hugepage of a hugetlb memfd with UFFDIO_CONTINUE, prints
 * "PID ADDR" and waits until stdin closes; exits 1 on errors, 4 without HGM.
 */
#define HGM_NO_HARNESS
#include "hgm_util.h"

int main(int argc, char **argv)
{
	struct hgm_setup s;
	const char *why;
	long n = argc > 1 ? strtol(argv[1], NULL, 0) : 8;
	char c;
	long i;

	if (n < 1 || n > (long)PIECES / 2) {
		fprintf(stderr, "hgm_piece_holder: PIECES must be 1 to %zu\n", PIECES / 2);
		return 2;
	}
	why = hgm_setup_init(&s, 1, HGM_FEATURES, MAP_SHARED);
	if (why) {
		fprintf(stderr, "hgm_piece_holder: %s\n", why);
		return kernel_has_hgm() ? 1 : 4;
	}
	for (i = 0; i < n; i++) {
		if (uffd_continue(s.uffd, s.guest + 2 * i * PIECE, PIECE) != (long)PIECE) {
			fprintf(stderr, "hgm_piece_holder: UFFDIO_CONTINUE of piece %ld: %s\n",
				2 * i, strerror(errno));
			return 1;
		}
	}
	/* the backing mapping would show the page PMD-mapped: drop it */
	munmap(s.backing, s.len);
	s.backing = NULL;
	printf("%d %p\n", (int)getpid(), (void *)s.guest);
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	hgm_setup_release(&s);
	return 0;
}
