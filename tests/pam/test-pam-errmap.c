/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <security/pam_modules.h>

#include "err.h"
#include "scl-pam.h"

/* Every code scl_err_name() knows, found by walking the ranges. */
static int
known(int r)
{
	return strcmp(scl_err_name(r), "UNKNOWN") != 0;
}

static void
test_every_code(void **state)
{
	static const int allowed[] = { PAM_SERVICE_ERR, PAM_BUF_ERR,
		PAM_SYSTEM_ERR, PAM_AUTHINFO_UNAVAIL, PAM_MAXTRIES,
		PAM_AUTH_ERR };
	char buf[512], fallback[512];
	size_t k, n = 0;
	int r, rc, ok;

	snprintf(fallback, sizeof(fallback), "%s",
	    scl_pam_message(-9999, -1, buf, sizeof(buf)));
	for (r = -600; r < 0; r++) {
		if (!known(r))
			continue;
		n++;
		rc = scl_pam_from_err(r, SCL_PAM_AUTH);
		ok = 0;
		for (k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			if (rc == allowed[k])
				ok = 1;
		if (!ok)
			fail_msg("%s maps to %d", scl_err_name(r), rc);
		assert_int_not_equal(scl_pam_from_err(r, SCL_PAM_ACCOUNT),
		    PAM_SUCCESS);
		assert_int_not_equal(scl_pam_from_err(r, SCL_PAM_SESSION),
		    PAM_SUCCESS);
		assert_int_not_equal(scl_pam_from_err(r, SCL_PAM_PASSWORD),
		    PAM_SUCCESS);
		scl_pam_message(r, -1, buf, sizeof(buf));
		if (buf[0] == '\0' || strcmp(buf, fallback) == 0)
			fail_msg("%s has no user sentence", scl_err_name(r));
		assert_null(strchr(buf, '\n'));
	}
	/* The ranges of err.h hold at least the 52 codes of the skeleton. */
	assert_true(n >= 52);
}

static void
test_expected(void **state)
{
	static const struct {
		int r;
		int rc;
	} t[] = {
		{ SCL_OK, PAM_SUCCESS },
		{ SCL_ERR_NO_SERVICE, PAM_AUTHINFO_UNAVAIL },
		{ SCL_ERR_NO_READER, PAM_AUTHINFO_UNAVAIL },
		{ SCL_ERR_NO_CARD, PAM_AUTHINFO_UNAVAIL },
		{ SCL_ERR_TIMEOUT, PAM_AUTHINFO_UNAVAIL },
		{ SCL_ERR_CANCELLED, PAM_AUTHINFO_UNAVAIL },
		{ SCL_ERR_CARD_REMOVED, PAM_AUTHINFO_UNAVAIL },
		{ SCL_ERR_PIN_WRONG, PAM_AUTH_ERR },
		{ SCL_ERR_PIN_BLOCKED, PAM_MAXTRIES },
		{ SCL_ERR_PIN_LAST_TRY, PAM_AUTH_ERR },
		{ SCL_ERR_PIN_TRIES_UNKNOWN, PAM_AUTHINFO_UNAVAIL },
		{ SCL_ERR_CERT_EXPIRED, PAM_AUTH_ERR },
		{ SCL_ERR_CERT_REVOKED, PAM_AUTH_ERR },
		{ SCL_ERR_SIG_INVALID, PAM_AUTH_ERR },
		{ SCL_ERR_NO_MAPPING, PAM_AUTH_ERR },
		{ SCL_ERR_AMBIGUOUS, PAM_AUTH_ERR },
		{ SCL_ERR_DIRECTORY_UNREACHABLE, PAM_AUTHINFO_UNAVAIL },
		{ SCL_ERR_NOMEM, PAM_BUF_ERR },
		{ SCL_ERR_CONFIG, PAM_SERVICE_ERR },
		{ SCL_ERR_INTERNAL, PAM_SERVICE_ERR },
		{ -12345, PAM_SERVICE_ERR },
		{ 7, PAM_SERVICE_ERR },
		{ SCL_PAM_NOT_APPLICABLE, PAM_IGNORE },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (scl_pam_from_err(t[i].r, SCL_PAM_AUTH) != t[i].rc)
			fail_msg("%d (%s): got %d want %d", t[i].r,
			    scl_err_name(t[i].r),
			    scl_pam_from_err(t[i].r, SCL_PAM_AUTH), t[i].rc);
	assert_int_equal(scl_pam_from_err(SCL_ERR_DENIED, SCL_PAM_ACCOUNT),
	    PAM_PERM_DENIED);
	assert_int_equal(scl_pam_from_err(SCL_ERR_PIN_POLICY,
	    SCL_PAM_PASSWORD), PAM_AUTHTOK_ERR);
	assert_int_equal(scl_pam_from_err(SCL_ERR_PIN_WRONG,
	    SCL_PAM_PASSWORD), PAM_AUTHTOK_ERR);
	assert_int_equal(scl_pam_from_err(SCL_ERR_PIN_TRIES_UNKNOWN,
	    SCL_PAM_PASSWORD), PAM_AUTHTOK_ERR);
	assert_int_equal(scl_pam_from_err(SCL_ERR_BAD_STATE,
	    SCL_PAM_SESSION), PAM_SESSION_ERR);
}

static void
test_messages(void **state)
{
	char buf[512];

	assert_string_equal(scl_pam_message(SCL_ERR_PIN_WRONG, 2, buf,
	    sizeof(buf)), "Wrong PIN. 2 tries left.");
	assert_non_null(strstr(scl_pam_message(SCL_ERR_PIN_WRONG, 1, buf,
	    sizeof(buf)), "1 try left"));
	assert_non_null(strstr(scl_pam_message(SCL_ERR_PIN_WRONG, 0, buf,
	    sizeof(buf)), "blocked"));
	assert_string_equal(scl_pam_message(SCL_ERR_PIN_WRONG, -1, buf,
	    sizeof(buf)), "Wrong PIN.");
	assert_non_null(strstr(scl_pam_message(SCL_ERR_CERT_EXPIRED, -1, buf,
	    sizeof(buf)), "expired"));
	assert_non_null(strstr(scl_pam_message(SCL_ERR_CERT_REVOKED, -1, buf,
	    sizeof(buf)), "revoked"));
	assert_non_null(strstr(scl_pam_message(SCL_ERR_NO_MAPPING, -1, buf,
	    sizeof(buf)), "not linked"));
	/* Truncation stays NUL-terminated. */
	scl_pam_message(SCL_ERR_PIN_BLOCKED, -1, buf, 8);
	assert_int_equal(strlen(buf), 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code),
		cmocka_unit_test(test_expected),
		cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
