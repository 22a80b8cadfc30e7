// SPDX-License-Identifier: GPL-2.0-or-later
/* cgroup2.c - test helpers for cgroup v2: the mount, the words of a controller list */
#include <stdio.h>
#include <string.h>

#include "cgroup2.h"

int cg2_mount(char *buf, size_t size)
{
	char line[1024], mnt[512];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int ret = -1;

	if (!f)
		return -1;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - cgroup2 SOURCE OPTIONS" */
	while (ret && fgets(line, sizeof(line), f))
		if (strstr(line, " - cgroup2 ") && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    strlen(mnt) < size) {
			snprintf(buf, size, "%s", mnt);
			ret = 0;
		}
	fclose(f);
	return ret;
}

bool file_has_word(const char *path, const char *word)
{
	char buf[1024];
	FILE *f = fopen(path, "r");
	bool has = false;

	if (!f)
		return false;
	while (fscanf(f, "%1023s", buf) == 1)
		has |= strcmp(buf, word) == 0;
	fclose(f);
	return has;
}
