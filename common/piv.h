/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_PIV_H
#define SCL_PIV_H

#include <stddef.h>
#include <stdint.h>

#include "secret.h"
#include "transport.h"

/*
 * PIV client (NIST SP 800-73-4 Part 2).  Every function sends APDUs through
 * t and parses responses with the bounded TLV cursor; none logs above
 * debug.  Card-supplied lengths are checked before use.  The caller owns
 * transactions (scl_card_begin/end) around a sequence of calls.  A card
 * that keeps answering 61xx past the APDU layer's cap (apdu.h), or sends
 * more TLVs than an object may hold, is SCL_ERR_CARD_BAD_RESPONSE.
 */

/* Key references (§5.1) */
#define SCL_PIV_KEY_AUTH	0x9A
#define SCL_PIV_KEY_MGMT	0x9B
#define SCL_PIV_KEY_SIGN	0x9C
#define SCL_PIV_KEY_KEYMGMT	0x9D
#define SCL_PIV_KEY_CARDAUTH	0x9E

/* PIN references */
#define SCL_PIV_REF_PIN		0x80
#define SCL_PIV_REF_PUK		0x81

/* Algorithm identifiers (SP 800-78-4 Table 6-2) */
#define SCL_PIV_ALG_3DES	0x03
#define SCL_PIV_ALG_AES128	0x08
#define SCL_PIV_ALG_AES192	0x0A
#define SCL_PIV_ALG_AES256	0x0C
#define SCL_PIV_ALG_RSA1024	0x06
#define SCL_PIV_ALG_RSA2048	0x07
#define SCL_PIV_ALG_ECC256	0x11
#define SCL_PIV_ALG_ECC384	0x14

/* Data object tags (§3, Table 3) */
#define SCL_PIV_TAG_CHUID	0x5FC102
#define SCL_PIV_TAG_CCC		0x5FC107
#define SCL_PIV_TAG_CERT_9A	0x5FC105
#define SCL_PIV_TAG_CERT_9C	0x5FC10A
#define SCL_PIV_TAG_CERT_9D	0x5FC10B
#define SCL_PIV_TAG_CERT_9E	0x5FC101
#define SCL_PIV_TAG_DISCOVERY	0x7E
#define SCL_PIV_TAG_PRINTED	0x5FC109

#define SCL_PIV_CERT_MAX	(16u * 1024u)	/* after CertInfo 0x71 inflate */

/*
 * SELECT the PIV application by its right-truncated AID A0 00 00 03 08 00 00
 * 10 00 (Pt 2 §3.1.1).  SCL_ERR_NO_APPLET if absent; a response body that
 * is not one 61 template is SCL_ERR_CARD_BAD_RESPONSE.
 */
int scl_piv_select(struct scl_transport *t);

/*
 * The result of a SELECT PIV status word, for callers that send their own
 * SELECT: 0 for 9000, SCL_ERR_NO_APPLET for the words of a card without
 * the application (6A82 6A81 6A86 6D00 6E00), else scl_apdu_sw_to_err().
 */
int scl_piv_select_sw_to_err(uint16_t sw);

/* Object tag holding the certificate for a key reference, 0 if none. */
uint32_t scl_piv_cert_tag(uint8_t key_ref);

/*
 * GET DATA: read the object and strip the outer 53 wrapper.  The content is
 * copied into buf (cap bytes); *ret_len is its length.  SCL_ERR_NO_OBJECT
 * when the card has none (6A82) or an empty 53.
 */
int scl_piv_read_object(struct scl_transport *t, uint32_t tag, uint8_t *buf,
    size_t cap, size_t *ret_len);

/*
 * Read the certificate of key_ref: unwrap 70 (cert) / 71 (CertInfo; bit 0
 * = gzip, inflated up to SCL_PIV_CERT_MAX) / FE.  On success *ret_der is a
 * malloc'd DER the caller frees; its X.509 structure is not yet checked.
 * SCL_ERR_NO_OBJECT for an empty slot (6A82, empty 53 or 70, no 70);
 * SCL_ERR_TOO_LARGE past the inflate cap, SCL_ERR_BAD_DER for a broken
 * gzip stream, SCL_ERR_TRAILING_DATA after it, SCL_ERR_NOT_SUPPORTED for
 * CertInfo bits other than gzip; parse errors from the TLV layer.
 * Key references 9A/9C/9D/9E and the retired 82..95.
 */
int scl_piv_read_cert(struct scl_transport *t, uint8_t key_ref,
    uint8_t **ret_der, size_t *ret_len);

/*
 * Card identity from CHUID: the 16-byte GUID (tag 34) as 32 lower-case hex
 * digits in ret_id.  SCL_ERR_NO_OBJECT without a CHUID or a GUID,
 * SCL_ERR_CARD_BAD_RESPONSE for a GUID that is not 16 bytes.
 */
int scl_piv_read_card_id(struct scl_transport *t, char ret_id[33]);

/*
 * PIN state without spending a try: VERIFY with no data (§3.2.1).
 * *ret_tries = tries left (-1 if the card does not say), *ret_verified =
 * 1 when already verified in this session.  Blocked: 0 with tries = 0.
 * ref: 80 (PIN), 81 (PUK) or 00 (global PIN).  6A88 (no such reference)
 * is SCL_ERR_NO_OBJECT.
 */
int scl_piv_pin_status(struct scl_transport *t, uint8_t ref, int *ret_tries,
    int *ret_verified);

/*
 * VERIFY the PIN (ref 80) or PUK-as-verify is not allowed; pads with FF.
 * SCL_ERR_PIN_WRONG with *ret_tries, SCL_ERR_PIN_BLOCKED.  ret_tries may be
 * NULL; it is written only with SCL_ERR_PIN_WRONG / SCL_ERR_PIN_BLOCKED
 * (the same holds for change_reference and reset_retry, where it counts
 * the PIN/PUK tries the card reports).  A pin of length 0 or > 8 is
 * SCL_ERR_PIN_FORMAT and nothing is sent.  The APDU buffers are wiped.
 */
int scl_piv_verify(struct scl_transport *t, const struct scl_pin *pin,
    int *ret_tries);

/* CHANGE REFERENCE DATA for ref 80 (PIN) or 81 (PUK). */
int scl_piv_change_reference(struct scl_transport *t, uint8_t ref,
    const struct scl_pin *old_pin, const struct scl_pin *new_pin,
    int *ret_tries);

/* RESET RETRY COUNTER: unblock the PIN with the PUK, setting new_pin. */
int scl_piv_reset_retry(struct scl_transport *t, const struct scl_pin *puk,
    const struct scl_pin *new_pin, int *ret_tries);

/*
 * GENERAL AUTHENTICATE with a private key: in is the raw input the card
 * operates on (for RSA the full PKCS#1 v1.5 padded block of the modulus
 * size; for ECC the digest).  Result (signature, for ECC DER-encoded
 * ECDSA-Sig-Value) copied to sig.  in_len must be 128/256 for RSA
 * 1024/2048 (384/512 for algorithm 05/16), 1..32 for P-256 and 1..48 for
 * P-384, else SCL_ERR_INVALID_ARGUMENT before anything is sent.  The
 * response must be exactly 7C { 82 sig } (SCL_ERR_CARD_BAD_RESPONSE or a
 * TLV error otherwise); SCL_ERR_SECURITY_STATUS when the PIN is needed;
 * SCL_ERR_BUFFER_TOO_SMALL when sig_cap is short.
 */
int scl_piv_general_auth(struct scl_transport *t, uint8_t alg, uint8_t key_ref,
    const uint8_t *in, size_t in_len, uint8_t *sig, size_t sig_cap,
    size_t *ret_sig_len);

/*
 * Management key (9B) mutual authentication (witness + challenge, §3.2.4 /
 * Appendix A.1).  alg: 3DES (24-byte key) or AES-128/192/256.
 * SCL_ERR_AUTH_FAILED if the card or we reject the other side.  A key
 * length that does not fit alg is SCL_ERR_INVALID_ARGUMENT; a witness of
 * the wrong block size SCL_ERR_CARD_BAD_RESPONSE.  Key material on the
 * stack is wiped.
 */
int scl_piv_mgmt_auth(struct scl_transport *t, uint8_t alg, const uint8_t *key,
    size_t key_len);

/*
 * Management key algorithms (3DES, AES-128/192/256): the key length (24,
 * 16, 24, 32) and the cipher block size (8 for 3DES, 16 for AES), 0 for
 * any other alg.  Pure; thread-safe.
 */
size_t scl_piv_mgmt_key_len(uint8_t alg);
size_t scl_piv_mgmt_block_len(uint8_t alg);

/*
 * One ECB block (scl_piv_mgmt_block_len(alg) bytes, no padding) of in
 * encrypted (encrypt != 0) or decrypted with the management key key
 * (key_len bytes) into out; in and out may not overlap.  Shared by the
 * host side (scl_piv_mgmt_auth) and the virtual card.  Returns 0,
 * SCL_ERR_NOT_SUPPORTED (alg is not a management key algorithm),
 * SCL_ERR_INVALID_ARGUMENT (key_len does not fit alg), SCL_ERR_NOMEM or
 * SCL_ERR_INTERNAL (OpenSSL failed).  out is untouched on failure of the
 * argument checks only.
 */
int scl_piv_mgmt_block(uint8_t alg, const uint8_t *key, size_t key_len,
    int encrypt, const uint8_t *in, uint8_t *out);

/*
 * GENERATE ASYMMETRIC KEY PAIR (47) in key_ref; the public key (7F49
 * content: 81 modulus + 82 exponent, or 86 EC point) as malloc'd DER
 * SubjectPublicKeyInfo in *ret_spki.  Needs management-key auth.
 * alg: RSA 1024/2048, P-256, P-384.  The template is checked strictly
 * (modulus of the key size with its top bit set, odd exponent of at most
 * 8 bytes; an uncompressed EC point on the curve); anything else is
 * SCL_ERR_CARD_BAD_RESPONSE.
 */
int scl_piv_generate(struct scl_transport *t, uint8_t key_ref, uint8_t alg,
    uint8_t **ret_spki, size_t *ret_len);

/* PUT DATA (DB 3F FF, 5C tag + 53 content). */
int scl_piv_put_object(struct scl_transport *t, uint32_t tag,
    const uint8_t *content, size_t len);

/* PUT DATA of a certificate object (70 der, 71 00, FE 00) for key_ref. */
int scl_piv_put_cert(struct scl_transport *t, uint8_t key_ref,
    const uint8_t *der, size_t der_len);

#endif
