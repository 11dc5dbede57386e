/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * sclogin-p11-helper: loads PKCS#11 modules (p11-kit) on behalf of the
 * PKCS#11 backend (backend-p11.c) and answers its requests on fd 0 (a
 * socket, p11-proto.h).  Foreign module code runs here, never in the host:
 * a module that crashes kills this process only; one that hangs is killed
 * by the host at its deadline.
 *
 *   sclogin-p11-helper [--check-owner] [--module PATH]...
 *
 * Without --module: the modules registered with p11-kit (trust-policy
 * modules left out).  --check-owner: every module file must be a regular
 * file owned by root or the effective uid, without group/other write.
 * The first answer says whether loading worked (status, u32 modules).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>

#include "err.h"
#include "p11-proto.h"

#define MODULES_MAX	8
#define SLOTS_MAX	8
#define EVENTS_MAX	64	/* per module and call */
#define KEYS_MAX	8
#define OBJECTS_MAX	64
#define ID_MAX		64
#define CERT_MAX	(16u * 1024u)

struct slot {
	CK_FUNCTION_LIST *m;
	CK_SLOT_ID id;
	char name[128];
	int present;
};

static CK_FUNCTION_LIST *mods[MODULES_MAX + 1];
static CK_FUNCTION_LIST **registered;
static size_t n_mods;
static struct slot slots[SLOTS_MAX];
static size_t n_slots;
static CK_FUNCTION_LIST *cur_m;
static CK_SESSION_HANDLE cur_s = CK_INVALID_HANDLE;
static int logged_in;

static int
rv_to_err(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
		return 0;
	case CKR_PIN_INCORRECT:
		return SCL_ERR_PIN_WRONG;
	case CKR_PIN_LOCKED:
		return SCL_ERR_PIN_BLOCKED;
	case CKR_PIN_LEN_RANGE:
	case CKR_PIN_INVALID:
		return SCL_ERR_PIN_FORMAT;
	case CKR_USER_NOT_LOGGED_IN:
		return SCL_ERR_SECURITY_STATUS;
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_TOKEN_NOT_RECOGNIZED:
	case CKR_DEVICE_REMOVED:
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_SLOT_ID_INVALID:
		return SCL_ERR_CARD_REMOVED;
	case CKR_DEVICE_ERROR:
	case CKR_DEVICE_MEMORY:
		return SCL_ERR_TRANSMIT;
	case CKR_FUNCTION_CANCELED:
		return SCL_ERR_CANCELLED;
	case CKR_MECHANISM_INVALID:
	case CKR_KEY_TYPE_INCONSISTENT:
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return SCL_ERR_CERT_KEY_UNSUPPORTED;
	case CKR_FUNCTION_NOT_SUPPORTED:
		return SCL_ERR_NOT_SUPPORTED;
	case CKR_HOST_MEMORY:
		return SCL_ERR_NOMEM;
	default:
		return SCL_ERR_MODULE;
	}
}

static int
load(int argc, char **argv)
{
	int check_owner = 0, i;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check-owner") == 0) {
			check_owner = 1;
			continue;
		}
		if (strcmp(argv[i], "--module") != 0 || i + 1 >= argc ||
		    n_mods >= MODULES_MAX)
			return SCL_ERR_INVALID_ARGUMENT;
		i++;
		if (argv[i][0] != '/' || (check_owner && !scl_p11_path_safe(argv[i])))
			return SCL_ERR_CONFIG;
		if ((mods[n_mods] = p11_kit_module_load(argv[i], 0)) == NULL)
			return SCL_ERR_MODULE;
		if (p11_kit_module_initialize(mods[n_mods]) != CKR_OK) {
			p11_kit_module_release(mods[n_mods]);
			mods[n_mods] = NULL;
			return SCL_ERR_MODULE;
		}
		n_mods++;
	}
	if (n_mods > 0)
		return 0;
	if ((registered = p11_kit_modules_load_and_initialize(0)) == NULL)
		return SCL_ERR_MODULE;
	for (k = 0; registered[k] != NULL && n_mods < MODULES_MAX; k++) {
		char *trust = p11_kit_config_option(registered[k],
		    "trust-policy");
		char *file = p11_kit_module_get_filename(registered[k]);
		int skip = (trust != NULL && strcmp(trust, "yes") == 0) ||
		    (check_owner && (file == NULL || !scl_p11_path_safe(file)));

		free(trust);
		free(file);
		if (!skip)
			mods[n_mods++] = registered[k];
	}
	return 0;
}

static void
trim_copy(char *dst, size_t cap, const CK_UTF8CHAR *src, size_t len)
{
	while (len > 0 && (src[len - 1] == ' ' || src[len - 1] == '\0'))
		len--;
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int
list_slots(void)
{
	size_t k;

	n_slots = 0;
	for (k = 0; k < n_mods; k++) {
		CK_SLOT_ID ids[SLOTS_MAX];
		CK_ULONG n = SLOTS_MAX, j;
		CK_RV rv = mods[k]->C_GetSlotList(CK_FALSE, ids, &n);

		if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
			continue;
		for (j = 0; j < n && j < SLOTS_MAX && n_slots < SLOTS_MAX;
		    j++) {
			CK_SLOT_INFO si;
			CK_TOKEN_INFO ti;
			struct slot *s = &slots[n_slots];
			size_t d;
			int dup = 0;

			if (mods[k]->C_GetSlotInfo(ids[j], &si) != CKR_OK)
				continue;
			s->m = mods[k];
			s->id = ids[j];
			s->present = (si.flags & CKF_TOKEN_PRESENT) != 0;
			/* A present token that is not initialised (SoftHSM's
			 * spare slot) holds nothing to sign in with. */
			if (s->present && (mods[k]->C_GetTokenInfo(ids[j],
			    &ti) != CKR_OK ||
			    (ti.flags & CKF_TOKEN_INITIALIZED) == 0))
				continue;
			trim_copy(s->name, sizeof(s->name), si.slotDescription,
			    sizeof(si.slotDescription));
			for (d = 0; d < n_slots; d++)
				if (strcmp(slots[d].name, s->name) == 0)
					dup++;
			if (dup > 0) {
				size_t l = strlen(s->name);

				snprintf(s->name + (l > 100 ? 100 : l),
				    sizeof(s->name) - (l > 100 ? 100 : l),
				    " #%d", dup + 1);
			}
			n_slots++;
		}
	}
	return 0;
}

static void
op_list(struct scl_p11_msg *out)
{
	size_t i;

	list_slots();
	scl_p11_put_u32(out, 0);
	scl_p11_put_u32(out, (uint32_t)n_slots);
	for (i = 0; i < n_slots; i++) {
		scl_p11_put_bytes(out, slots[i].name, strlen(slots[i].name));
		scl_p11_put_u8(out, (uint8_t)slots[i].present);
	}
}

static void
close_session(void)
{
	if (cur_m != NULL && cur_s != CK_INVALID_HANDLE) {
		if (logged_in)
			(void)cur_m->C_Logout(cur_s);
		(void)cur_m->C_CloseSession(cur_s);
	}
	cur_m = NULL;
	cur_s = CK_INVALID_HANDLE;
	logged_in = 0;
}

static int
op_connect(struct scl_p11_msg *in, struct scl_p11_msg *out)
{
	const uint8_t *name;
	size_t len, i;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	char label[33], serial[17];

	if (scl_p11_get_bytes(in, &name, &len) < 0)
		return SCL_ERR_INVALID_ARGUMENT;
	close_session();
	if (n_slots == 0)
		list_slots();
	for (i = 0; i < n_slots; i++)
		if (strlen(slots[i].name) == len &&
		    memcmp(slots[i].name, name, len) == 0)
			break;
	if (i == n_slots)
		return SCL_ERR_READER_GONE;
	rv = slots[i].m->C_OpenSession(slots[i].id,
	    CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &cur_s);
	if (rv == CKR_TOKEN_WRITE_PROTECTED)
		rv = slots[i].m->C_OpenSession(slots[i].id,
		    CKF_SERIAL_SESSION, NULL, NULL, &cur_s);
	if (rv != CKR_OK) {
		cur_s = CK_INVALID_HANDLE;
		return rv == CKR_TOKEN_NOT_PRESENT ? SCL_ERR_NO_CARD :
		    rv_to_err(rv);
	}
	cur_m = slots[i].m;
	if ((rv = cur_m->C_GetTokenInfo(slots[i].id, &ti)) != CKR_OK)
		return rv_to_err(rv);
	trim_copy(label, sizeof(label), ti.label, sizeof(ti.label));
	trim_copy(serial, sizeof(serial), ti.serialNumber,
	    sizeof(ti.serialNumber));
	scl_p11_put_u32(out, 0);
	scl_p11_put_bytes(out, label, strlen(label));
	scl_p11_put_bytes(out, serial, strlen(serial));
	scl_p11_put_u8(out,
	    (ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0);
	return 0;
}

static int
token_flags(CK_FLAGS *ret)
{
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;
	CK_RV rv;

	if (cur_m == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	if ((rv = cur_m->C_GetSessionInfo(cur_s, &si)) != CKR_OK ||
	    (rv = cur_m->C_GetTokenInfo(si.slotID, &ti)) != CKR_OK)
		return rv_to_err(rv);
	*ret = ti.flags;
	return 0;
}

/* Find up to cap objects of class (with CKA_ID id when id_len > 0). */
static int
find(CK_OBJECT_CLASS cls, const uint8_t *id, size_t id_len,
    CK_OBJECT_HANDLE *ret, CK_ULONG cap, CK_ULONG *ret_n)
{
	CK_ATTRIBUTE t[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)(uintptr_t)id, id_len },
	};
	CK_RV rv;

	if (cur_m == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	rv = cur_m->C_FindObjectsInit(cur_s, t, id_len > 0 ? 2 : 1);
	if (rv != CKR_OK)
		return rv_to_err(rv);
	rv = cur_m->C_FindObjects(cur_s, ret, cap, ret_n);
	(void)cur_m->C_FindObjectsFinal(cur_s);
	if (rv == CKR_OK && *ret_n > cap)
		return SCL_ERR_MODULE;
	return rv_to_err(rv);
}

static int
get_attr(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, uint8_t *buf,
    size_t cap, size_t *ret_len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	if ((rv = cur_m->C_GetAttributeValue(cur_s, o, &a, 1)) != CKR_OK)
		return rv_to_err(rv);
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > cap)
		return SCL_ERR_TOO_LARGE;
	a.pValue = buf;
	if ((rv = cur_m->C_GetAttributeValue(cur_s, o, &a, 1)) != CKR_OK)
		return rv_to_err(rv);
	if (a.ulValueLen > cap)
		return SCL_ERR_MODULE;
	*ret_len = a.ulValueLen;
	return 0;
}

static int
op_keys(struct scl_p11_msg *out)
{
	CK_OBJECT_HANDLE certs[OBJECTS_MAX], keys[1];
	CK_ULONG n = 0, nk, i;
	uint8_t ids[KEYS_MAX][ID_MAX];
	size_t id_len[KEYS_MAX], n_ids = 0, k;
	int r;

	if ((r = find(CKO_CERTIFICATE, NULL, 0, certs, OBJECTS_MAX, &n)) < 0)
		return r;
	for (i = 0; i < n && n_ids < KEYS_MAX; i++) {
		if (get_attr(certs[i], CKA_ID, ids[n_ids], ID_MAX,
		    &id_len[n_ids]) < 0 || id_len[n_ids] == 0)
			continue;
		nk = 0;
		if (find(CKO_PRIVATE_KEY, ids[n_ids], id_len[n_ids], keys, 1,
		    &nk) < 0 || nk == 0) {
			nk = 0;
			if (find(CKO_PUBLIC_KEY, ids[n_ids], id_len[n_ids],
			    keys, 1, &nk) < 0 || nk == 0)
				continue;
		}
		n_ids++;
	}
	scl_p11_put_u32(out, 0);
	scl_p11_put_u32(out, (uint32_t)n_ids);
	for (k = 0; k < n_ids; k++)
		scl_p11_put_bytes(out, ids[k], id_len[k]);
	return 0;
}

static int
op_cert(struct scl_p11_msg *in, struct scl_p11_msg *out)
{
	static uint8_t der[CERT_MAX];
	CK_OBJECT_HANDLE o[1];
	CK_ULONG n = 0;
	const uint8_t *id;
	size_t id_len, len = 0;
	int r;

	if (scl_p11_get_bytes(in, &id, &id_len) < 0 || id_len == 0 ||
	    id_len > ID_MAX)
		return SCL_ERR_INVALID_ARGUMENT;
	if ((r = find(CKO_CERTIFICATE, id, id_len, o, 1, &n)) < 0)
		return r;
	if (n == 0)
		return SCL_ERR_NO_OBJECT;
	if ((r = get_attr(o[0], CKA_VALUE, der, sizeof(der), &len)) < 0)
		return r;
	scl_p11_put_u32(out, 0);
	scl_p11_put_bytes(out, der, len);
	return 0;
}

static int
answer_flags(struct scl_p11_msg *out, int r)
{
	CK_FLAGS f = 0;

	if (token_flags(&f) < 0)
		f = 0;
	scl_p11_put_u32(out, (uint32_t)r);
	scl_p11_put_u32(out, (uint32_t)f);
	return 0;
}

static int
op_login(struct scl_p11_msg *in, struct scl_p11_msg *out)
{
	const uint8_t *pin = NULL;
	size_t len = 0;
	uint8_t has_pin = 0;
	CK_RV rv;

	if (cur_m == NULL || scl_p11_get_u8(in, &has_pin) < 0 ||
	    scl_p11_get_bytes(in, &pin, &len) < 0)
		return SCL_ERR_INVALID_ARGUMENT;
	rv = cur_m->C_Login(cur_s, CKU_USER,
	    has_pin ? (CK_UTF8CHAR_PTR)(uintptr_t)pin : NULL,
	    has_pin ? len : 0);
	if (rv == CKR_USER_ALREADY_LOGGED_IN)
		rv = CKR_OK;
	logged_in = rv == CKR_OK;
	return answer_flags(out, rv_to_err(rv));
}

static int
op_sign(struct scl_p11_msg *in, struct scl_p11_msg *out)
{
	CK_OBJECT_HANDLE o[1];
	CK_ULONG n = 0, sig_len;
	CK_MECHANISM mech = { 0, NULL, 0 };
	const uint8_t *id, *data;
	size_t id_len, data_len;
	uint32_t m;
	uint8_t sig[1024];
	CK_RV rv;
	int r;

	if (scl_p11_get_bytes(in, &id, &id_len) < 0 ||
	    scl_p11_get_u32(in, &m) < 0 ||
	    scl_p11_get_bytes(in, &data, &data_len) < 0 || id_len == 0 ||
	    id_len > ID_MAX)
		return SCL_ERR_INVALID_ARGUMENT;
	if ((r = find(CKO_PRIVATE_KEY, id, id_len, o, 1, &n)) < 0)
		return r;
	if (n == 0)
		return SCL_ERR_NO_OBJECT;
	mech.mechanism = m;
	if ((rv = cur_m->C_SignInit(cur_s, &mech, o[0])) != CKR_OK)
		return rv_to_err(rv);
	sig_len = sizeof(sig);
	rv = cur_m->C_Sign(cur_s, (CK_BYTE_PTR)(uintptr_t)data, data_len,
	    sig, &sig_len);
	if (rv != CKR_OK)
		return rv_to_err(rv);
	if (sig_len > sizeof(sig))
		return SCL_ERR_MODULE;
	scl_p11_put_u32(out, 0);
	scl_p11_put_bytes(out, sig, sig_len);
	return 0;
}

static int
op_setpin(struct scl_p11_msg *in, struct scl_p11_msg *out)
{
	const uint8_t *o, *n;
	size_t ol, nl;
	CK_RV rv;

	if (cur_m == NULL || scl_p11_get_bytes(in, &o, &ol) < 0 ||
	    scl_p11_get_bytes(in, &n, &nl) < 0)
		return SCL_ERR_INVALID_ARGUMENT;
	/* No PINs: the token's PIN pad asks for both (PKCS#11 2.40 C_SetPIN,
	 * protected authentication path). */
	rv = cur_m->C_SetPIN(cur_s, ol == 0 && nl == 0 ? NULL :
	    (CK_UTF8CHAR_PTR)(uintptr_t)o, ol, ol == 0 && nl == 0 ? NULL :
	    (CK_UTF8CHAR_PTR)(uintptr_t)n, nl);
	return answer_flags(out, rv_to_err(rv));
}

/*
 * Slot events since the last call: every module's C_WaitForSlotEvent
 * (CKF_DONT_BLOCK) drained, at most EVENTS_MAX each, and for modules
 * without it (SoftHSM2) a change of the present tokens' names.  The first
 * call only takes the baseline.  Never blocks: the caller polls.
 */
static void
op_events(struct scl_p11_msg *out)
{
	static char last[SLOTS_MAX * (sizeof(slots[0].name) + 1)];
	static int have_last;
	char now[sizeof(last)];
	uint32_t events = 0;
	size_t k, i, o = 0;

	for (k = 0; k < n_mods; k++)
		for (i = 0; i < EVENTS_MAX; i++) {
			CK_SLOT_ID id;

			if (mods[k]->C_WaitForSlotEvent(CKF_DONT_BLOCK, &id,
			    NULL) != CKR_OK)
				break;
			events++;
		}
	(void)list_slots();
	now[0] = '\0';
	for (i = 0; i < n_slots; i++)
		if (slots[i].present)
			o += (size_t)snprintf(now + o, sizeof(now) - o, "%s\n",
			    slots[i].name);
	if (have_last && strcmp(now, last) != 0)
		events++;
	if (!have_last)
		events = 0;
	memcpy(last, now, sizeof(last));
	have_last = 1;
	scl_p11_put_u32(out, 0);
	scl_p11_put_u32(out, events);
}

static int
dispatch(struct scl_p11_msg *in, struct scl_p11_msg *out)
{
	uint8_t op = 0;
	CK_FLAGS f = 0;
	int r;

	if (scl_p11_get_u8(in, &op) < 0)
		return SCL_ERR_INVALID_ARGUMENT;
	switch (op) {
	case SCL_P11_OP_LIST:
		op_list(out);
		return 0;
	case SCL_P11_OP_CONNECT:
		return op_connect(in, out);
	case SCL_P11_OP_KEYS:
		return op_keys(out);
	case SCL_P11_OP_CERT:
		return op_cert(in, out);
	case SCL_P11_OP_TRIES:
		if ((r = token_flags(&f)) < 0)
			return r;
		scl_p11_put_u32(out, 0);
		scl_p11_put_u32(out, (uint32_t)f);
		return 0;
	case SCL_P11_OP_LOGIN:
		return op_login(in, out);
	case SCL_P11_OP_SIGN:
		return op_sign(in, out);
	case SCL_P11_OP_SETPIN:
		return op_setpin(in, out);
	case SCL_P11_OP_DISCONNECT:
		close_session();
		scl_p11_put_u32(out, 0);
		return 0;
	case SCL_P11_OP_EVENTS:
		op_events(out);
		return 0;
	default:
		return SCL_ERR_INVALID_ARGUMENT;
	}
}

int
main(int argc, char **argv)
{
	static struct scl_p11_msg in, out;
	int r, null_fd;

	/* Nothing of the host but the socket on 0 (and 1, 2 to /dev/null). */
	if ((null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		(void)dup2(null_fd, 1);
		if (getenv("SCL_P11_HELPER_STDERR") == NULL)
			(void)dup2(null_fd, 2);
	}
	closefrom(3);
	r = load(argc, argv);
	scl_p11_msg_init(&out);
	scl_p11_put_u32(&out, (uint32_t)r);
	scl_p11_put_u32(&out, (uint32_t)n_mods);
	if (scl_p11_send(0, &out, -1) < 0 || r < 0)
		return 1;
	for (;;) {
		if (scl_p11_recv(0, &in, -1) < 0)
			break;
		scl_p11_msg_init(&out);
		r = dispatch(&in, &out);
		scl_p11_msg_wipe(&in);
		if (r < 0) {
			scl_p11_msg_init(&out);
			scl_p11_put_u32(&out, (uint32_t)r);
		}
		if (scl_p11_send(0, &out, -1) < 0)
			break;
	}
	close_session();
	if (registered != NULL)
		p11_kit_modules_finalize_and_release(registered);
	else
		for (size_t k = 0; k < n_mods; k++) {
			(void)p11_kit_module_finalize(mods[k]);
			p11_kit_module_release(mods[k]);
		}
	return 0;
}
