/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nss-users.h"

static const char *const users[] = { "alice", "bob", "carol", "dave" };

int
nss_users_write(const char *dir, const char *home_base)
{
	char path[PATH_MAX], home[PATH_MAX];
	FILE *f;
	unsigned id;

	snprintf(path, sizeof(path), "%s/passwd", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "root:x:0:0:root:/root:/bin/sh\n");
	/* system accounts (issue 12): below UID_MIN, or a nologin shell */
	fprintf(f, "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
	fprintf(f, "svc:x:999:999:svc:/nonexistent:/bin/sh\n");
	for (size_t i = 0; i < 4; i++) {
		id = 1001 + (unsigned)i;
		snprintf(home, sizeof(home), "%s/%s", home_base != NULL ?
		    home_base : "/nonexistent", users[i]);
		if (home_base != NULL && ((mkdir(home, 0755) != 0 &&
		    errno != EEXIST) || (geteuid() == 0 &&
		    chown(home, id, id) != 0))) {
			fclose(f);
			return -1;
		}
		fprintf(f, "%s:x:%u:%u:%s:%s:/bin/sh\n", users[i], id, id,
		    users[i], home);
	}
	if (fclose(f) != 0)
		return -1;
	setenv("NSS_WRAPPER_PASSWD", path, 1);
	snprintf(path, sizeof(path), "%s/group", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "root:x:0:\n");
	for (size_t i = 0; i < 4; i++)
		fprintf(f, "%s:x:%u:\n", users[i], 1001 + (unsigned)i);
	fprintf(f, "smartcard:x:2001:alice\n");
	if (fclose(f) != 0)
		return -1;
	setenv("NSS_WRAPPER_GROUP", path, 1);
	return 0;
}

int
nss_users_reexec(char **argv)
{
	char self[PATH_MAX];
	ssize_t n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0) {
		perror("readlink /proc/self/exe");
		return -1;
	}
	self[n] = '\0';
	execv(self, argv);
	perror("execv");
	return -1;
}
