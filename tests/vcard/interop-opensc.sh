#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# OpenSC sees sclogin-vcard as a standard PIV card: opensc-tool names it,
# pkcs11-tool lists the certificates from the test PKI and signs with RSA
# 2048 (9A), ECC P-256 (9C, PIN always) and P-384 (9D); every signature
# verifies with openssl against the certificate.
. "$(dirname "$0")/interop-lib.sh"
need pkcs11-tool
need opensc-tool
[ -r "$PKCS11" ] || { echo "SKIP: $PKCS11 missing" >&2; exit 77; }

check "init card" $W "$V" init $VT --state "$D/card" --seal-key "$SCL_RIG_SEAL_KEY" \
    --name "Interop card"
check "import alice RSA 2048 into 9a" $W "$V" import $VT --state "$D/card" \
    --seal-key "$SCL_RIG_SEAL_KEY" --slot 9a --key "$PKI/alice.key.pem" \
    --cert "$PKI/alice.cert.pem"
check "import carol P-256 into 9c" $W "$V" import $VT --state "$D/card" \
    --seal-key "$SCL_RIG_SEAL_KEY" --slot 9c --key "$PKI/carol.key.pem" \
    --cert "$PKI/carol.cert.pem"
check "import dave P-384 into 9d" $W "$V" import $VT --state "$D/card" \
    --seal-key "$SCL_RIG_SEAL_KEY" --slot 9d --key "$PKI/dave.key.pem" \
    --cert "$PKI/dave.cert.pem"
[ -n "$VT" ] && check_out "the card keeps its keys in the TPM" \
    "protection: tpm" "$V" show --state "$D/card"
check "insert the card" "$SCL_RIG_CARD" insert 0 "$D/card"

check_out "opensc-tool -n names the card PIV" \
    "Personal Identity Verification Card" opensc-tool -r 0 -n
check_out "opensc-tool -a shows our ATR" "73:63:6c:6f:67:69:6e" \
    opensc-tool -r 0 -a
pkcs11-tool --module "$PKCS11" -O >"$D/objects" 2>&1
for cn in alice carol dave; do
	if grep -q "CN=$cn" "$D/objects"; then
		ok "pkcs11-tool -O lists the certificate of $cn"
	else
		not_ok "pkcs11-tool -O lists the certificate of $cn"
		sed 's/^/#   /' "$D/objects"
	fi
done
check_out "pkcs11-tool -L shows a PIV token labelled after the 9a certificate" \
    "token label *: alice" pkcs11-tool --module "$PKCS11" -L

printf 'sign me %s\n' "$(date +%s%N)" > "$D/data"
sign_verify() {	# NAME ID MECH CERT HASH [FORMAT]
	rm -f "$D/sig"
	if pkcs11-tool --module "$PKCS11" --login --pin 123456 --sign \
	    --id "$2" -m "$3" -i "$D/data" -o "$D/sig" ${6:+--signature-format "$6"} \
	    >"$D/out" 2>&1 && [ -s "$D/sig" ]; then
		openssl x509 -in "$4" -pubkey -noout > "$D/pub"
		if openssl dgst "-$5" -verify "$D/pub" -signature "$D/sig" \
		    "$D/data" >/dev/null 2>&1; then
			ok "$1: pkcs11-tool signs, openssl verifies"
		else
			not_ok "$1: signature does not verify"
		fi
	else
		not_ok "$1: pkcs11-tool --sign failed"
		sed 's/^/#   /' "$D/out"
	fi
}
sign_verify "RSA 2048 9a" 01 SHA256-RSA-PKCS "$PKI/alice.cert.pem" sha256
sign_verify "P-256 9c (PIN always)" 02 ECDSA-SHA256 "$PKI/carol.cert.pem" sha256 openssl
sign_verify "P-384 9d" 03 ECDSA-SHA384 "$PKI/dave.cert.pem" sha384 openssl

check_fail "a wrong PIN is refused" pkcs11-tool --module "$PKCS11" --login \
    --pin 000000 --sign --id 01 -m SHA256-RSA-PKCS -i "$D/data" -o "$D/sig"
check_out "the wrong PIN cost a try (state file)" "PIN tries left: 2 of 3" \
    $W "$V" show --state "$D/card"
sign_verify "RSA 2048 9a after a wrong PIN" 01 SHA256-RSA-PKCS \
    "$PKI/alice.cert.pem" sha256
check_out "a right PIN restores the counter" "PIN tries left: 3 of 3" \
    $W "$V" show --state "$D/card"
check "pkcs11-tool --generate-random (GENERAL AUTHENTICATE challenge)" \
    sh -c "pkcs11-tool --module '$PKCS11' --generate-random 32 | wc -c | grep -qx 32"
check "remove the card" "$SCL_RIG_CARD" remove 0
finish
