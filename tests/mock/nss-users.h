/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_NSS_USERS_H
#define SCL_NSS_USERS_H

/*
 * The test users of every suite that needs users (TEAM.md), through
 * nss_wrapper instead of real accounts: root (0), alice (1001), bob
 * (1002), carol (1003), dave (1004), each with a group of its name, and
 * group smartcard (2001: alice).  nss_wrapper reads NSS_WRAPPER_PASSWD /
 * _GROUP when it initialises, so a test writes the files, then starts
 * itself again (nss_users_reexec) with libnss_wrapper.so preloaded (the
 * caller's LD_PRELOAD, set by meson or by the caller before the re-exec).
 */

/*
 * Write dir/passwd and dir/group and point NSS_WRAPPER_PASSWD / _GROUP at
 * them.  home_base NULL: homes are /nonexistent/NAME; otherwise
 * home_base/NAME, created 0755 and (when run as root) owned by the user.
 * Returns 0, or -1 with errno set.
 */
int nss_users_write(const char *dir, const char *home_base);

/*
 * execv this program again with argv (found through /proc/self/exe, read
 * as a path so valgrind re-runs the program, not itself).  Returns -1 on
 * failure (perror says why); does not return otherwise.
 */
int nss_users_reexec(char **argv);

#endif
