/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_SLAPD_RIG_H
#define SCL_SLAPD_RIG_H

#include <sys/types.h>

/*
 * Real LDAP servers for the directory tests: Debian's slapd, one process
 * per instance, its own slapd.conf and mdb database made by
 * tests/directory/ldap-fixture.sh, TLS with a server certificate of the
 * test CA, listening on 127.0.0.1 only.  Call it inside a private network
 * namespace (the rig's, or dir_rig_netns()) so fixed ports never clash.
 * Every process is started with PR_SET_PDEATHSIG and stopped by PID.
 * Functions return 0 or -1 and say why on stderr; waits are bounded.
 *
 * AppArmor: Debian's slapd package ships no enforced profile on Debian
 * 12; where one confines /usr/sbin/slapd, it cannot read the fixture
 * under /tmp and dir_rig_slapd_start fails with slapd's own message.
 */

/* unshare(CLONE_NEWNET) and bring lo up.  77 when not allowed (skip). */
int dir_rig_netns(void);

/*
 * `ldap-fixture.sh PKI OUT` (SCL_SOURCE_ROOT/tests/directory/...), then an
 * instance per name in names (NULL-terminated).
 */
int dir_rig_fixture(const char *pki, const char *out,
    const char *const names[]);

/*
 * slapd -d 0 -f OUT/NAME/slapd.conf -h "ldap://127.0.0.1:PORT/
 * ldaps://127.0.0.1:TLS_PORT/"; waits until both ports accept.
 */
int dir_rig_slapd_start(const char *out, const char *name, unsigned port,
    unsigned tls_port, pid_t *ret_pid);

/* SIGTERM (then SIGKILL after 5 s), reap; *pid = -1.  No-op for -1. */
void dir_rig_stop(pid_t *pid);

/*
 * A TCP server on 127.0.0.1:port that accepts every connection and then
 * never answers (garbage 0: a server that hangs) or writes junk that is
 * not LDAP and waits (garbage 1).
 */
int dir_rig_bad_server_start(unsigned port, int garbage, pid_t *ret_pid);

#endif
