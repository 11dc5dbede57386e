/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_LOGINDEFS_H
#define SCL_LOGINDEFS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Where system accounts end: UID_MIN of login.defs(5), the line
 * "UID_MIN <decimal>" (blanks around, '#' comments; the last such line
 * wins, as shadow's getdef does).  Name-derived mappings (upn, cn, email)
 * never reach an account below it, nor one whose shell is nologin or false.
 */
#define SCL_LOGINDEFS_PATH	"/etc/login.defs"
#define SCL_UID_MIN_DEFAULT	1000u	/* shadow's own default */
#define SCL_LOGINDEFS_MAX_SIZE	(256u * 1024u)

/*
 * UID_MIN from len bytes of login.defs text (untrusted, need not be
 * NUL-terminated): 0 with *ret_uid_min, or -1 (no UID_MIN line, or one
 * that is not a decimal in 1..2^31-1: the caller keeps the default).
 */
int scl_logindefs_parse_uid_min(const void *buf, size_t len,
    uid_t *ret_uid_min);

/*
 * UID_MIN of path (SCL_LOGINDEFS_PATH when NULL), read as an admin file
 * (root-owned, not writable by others, bounded); SCL_UID_MIN_DEFAULT when
 * the file is missing, refused or has no valid UID_MIN (logged at debug).
 */
uid_t scl_logindefs_uid_min(const char *path);

/* 1 when shell is one that refuses logins (.../nologin, .../false). */
int scl_shell_refuses_login(const char *shell);

#endif
