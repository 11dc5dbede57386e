/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * A misbehaving PKCS#11 module for the PKCS#11 backend tests: it forwards
 * every call to the real module named by SCL_FAKE_P11_REAL (SoftHSM2)
 * and misbehaves as SCL_FAKE_P11_MODE says:
 *   hang-login    C_Login never returns
 *   crash-login   C_Login crashes (SIGSEGV)
 *   bad-flags     the token says locked and final try at once
 *   locked        the token says its user PIN is locked
 *   final-try     the token says the next wrong PIN locks it
 *   pinpad        protected authentication path; C_Login without a PIN
 *                 logs in with SCL_FAKE_P11_PAD_PIN (the PIN "typed on
 *                 the pad"), C_SetPIN without PINs changes it from
 *                 SCL_FAKE_P11_PAD_PIN to SCL_FAKE_P11_PAD_NEW_PIN; a PIN
 *                 passed to either is refused (CKR_ARGUMENTS_BAD): the
 *                 module must not send one to a pad
 *   bad-sign      C_Sign returns a signature of the right size that is
 *                 not one
 *   late-token    the token is absent (slot without CKF_TOKEN_PRESENT,
 *                 CKR_TOKEN_NOT_PRESENT) until the file
 *                 SCL_FAKE_P11_TOKEN_FILE exists; C_WaitForSlotEvent
 *                 (CKF_DONT_BLOCK) reports its arrival once, or is not
 *                 supported with SCL_FAKE_P11_NO_EVENTS set (SoftHSM2 has
 *                 none itself)
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST fake;
static CK_FUNCTION_LIST_PTR real;

static int
mode(const char *m)
{
	const char *e = getenv("SCL_FAKE_P11_MODE");

	return e != NULL && strcmp(e, m) == 0;
}

static CK_RV
fake_login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin,
    CK_ULONG len)
{
	if (mode("hang-login"))
		for (;;)
			pause();
	if (mode("crash-login"))
		raise(SIGSEGV);
	if (mode("pinpad") && pin != NULL)
		return CKR_ARGUMENTS_BAD;
	if (mode("pinpad") && pin == NULL) {
		const char *p = getenv("SCL_FAKE_P11_PAD_PIN");

		if (p == NULL)
			return CKR_FUNCTION_CANCELED;
		return real->C_Login(s, u, (CK_UTF8CHAR_PTR)(uintptr_t)p,
		    strlen(p));
	}
	return real->C_Login(s, u, pin, len);
}

static CK_RV
fake_set_pin(CK_SESSION_HANDLE s, CK_UTF8CHAR_PTR old, CK_ULONG old_len,
    CK_UTF8CHAR_PTR neu, CK_ULONG new_len)
{
	const char *o = getenv("SCL_FAKE_P11_PAD_PIN");
	const char *n = getenv("SCL_FAKE_P11_PAD_NEW_PIN");

	if (!mode("pinpad"))
		return real->C_SetPIN(s, old, old_len, neu, new_len);
	if (old != NULL || neu != NULL || old_len != 0 || new_len != 0)
		return CKR_ARGUMENTS_BAD;
	if (o == NULL || n == NULL)
		return CKR_FUNCTION_CANCELED;
	return real->C_SetPIN(s, (CK_UTF8CHAR_PTR)(uintptr_t)o, strlen(o),
	    (CK_UTF8CHAR_PTR)(uintptr_t)n, strlen(n));
}

/* late-token: whether the token is "inserted" yet */
static int
token_absent(void)
{
	const char *f = getenv("SCL_FAKE_P11_TOKEN_FILE");

	return mode("late-token") && (f == NULL || access(f, F_OK) != 0);
}

static CK_RV
fake_slot_info(CK_SLOT_ID id, CK_SLOT_INFO_PTR si)
{
	CK_RV rv = real->C_GetSlotInfo(id, si);

	if (rv == CKR_OK && token_absent())
		si->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
	return rv;
}

static CK_RV
fake_open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app,
    CK_NOTIFY notify, CK_SESSION_HANDLE_PTR s)
{
	if (token_absent())
		return CKR_TOKEN_NOT_PRESENT;
	return real->C_OpenSession(id, flags, app, notify, s);
}

static CK_RV
fake_wait_event(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved)
{
	static int reported;

	if (!mode("late-token"))
		return real->C_WaitForSlotEvent(flags, slot, reserved);
	if (getenv("SCL_FAKE_P11_NO_EVENTS") != NULL)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (!(flags & CKF_DONT_BLOCK))
		return CKR_FUNCTION_NOT_SUPPORTED;	/* never blocks here */
	if (token_absent() || reported)
		return CKR_NO_EVENT;
	reported = 1;
	*slot = 0;
	return CKR_OK;
}

static CK_RV
fake_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR ti)
{
	CK_RV rv;

	if (token_absent())
		return CKR_TOKEN_NOT_PRESENT;
	rv = real->C_GetTokenInfo(id, ti);

	if (rv != CKR_OK)
		return rv;
	if (mode("bad-flags"))
		ti->flags |= CKF_USER_PIN_LOCKED | CKF_USER_PIN_FINAL_TRY;
	if (mode("locked"))
		ti->flags |= CKF_USER_PIN_LOCKED;
	if (mode("final-try"))
		ti->flags |= CKF_USER_PIN_FINAL_TRY;
	if (mode("pinpad"))
		ti->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
	return CKR_OK;
}

static CK_RV
fake_sign(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len,
    CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	CK_RV rv = real->C_Sign(s, data, len, sig, sig_len);

	if (rv == CKR_OK && sig != NULL && mode("bad-sign") && *sig_len > 8)
		sig[*sig_len / 2] ^= 0x5a;
	return rv;
}

__attribute__((visibility("default"))) CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ret)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	const char *path = getenv("SCL_FAKE_P11_REAL");
	void *h;

	if (real == NULL) {
		if (path == NULL || (h = dlopen(path, RTLD_NOW)) == NULL)
			return CKR_GENERAL_ERROR;
		*(void **)&get = dlsym(h, "C_GetFunctionList");
		if (get == NULL || get(&real) != CKR_OK)
			return CKR_GENERAL_ERROR;
		fake = *real;
		fake.C_Login = fake_login;
		fake.C_GetTokenInfo = fake_token_info;
		fake.C_Sign = fake_sign;
		fake.C_SetPIN = fake_set_pin;
		fake.C_GetSlotInfo = fake_slot_info;
		fake.C_OpenSession = fake_open_session;
		fake.C_WaitForSlotEvent = fake_wait_event;
	}
	*ret = &fake;
	return CKR_OK;
}
