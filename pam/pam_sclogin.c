/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#define PAM_SM_PASSWORD

#include <security/pam_modules.h>

#include "scl-pam.h"

/*
 * Entry points only; the flows live in flow.c and return SCL codes, which
 * errmap.c alone turns into PAM codes.
 */

#define SCL_EXPORT __attribute__((visibility("default")))

SCL_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	int rc = PAM_AUTH_ERR, mapped, r;

	r = scl_pam_flow_authenticate(pamh, flags, argc, argv);
	if (r == 0) {
		/* Card found, certificate valid and mapped, PIN verified,
		 * possession proven: the only success of this module. */
		rc = PAM_SUCCESS;
	} else {
		mapped = scl_pam_from_err(r, SCL_PAM_AUTH);
		if (mapped != PAM_SUCCESS)
			rc = mapped;
	}
	return rc;
}

SCL_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return scl_pam_from_err(scl_pam_flow_setcred(pamh, flags, argc, argv),
	    SCL_PAM_AUTH);
}

SCL_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return scl_pam_from_err(scl_pam_flow_account(pamh, flags, argc, argv),
	    SCL_PAM_ACCOUNT);
}

SCL_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	return scl_pam_from_err(scl_pam_flow_open_session(pamh, flags, argc,
	    argv), SCL_PAM_SESSION);
}

SCL_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	/* The removal monitor ends with the logind session by itself. */
	return scl_pam_from_err(0, SCL_PAM_SESSION);
}

SCL_EXPORT int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return scl_pam_from_err(scl_pam_flow_chauthtok(pamh, flags, argc, argv),
	    SCL_PAM_PASSWORD);
}
