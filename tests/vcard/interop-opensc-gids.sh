#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# A card made with --applet gids is a GIDS card to OpenSC: opensc-tool
# names its GIDS driver, pkcs11-tool lists the token, the PIN and the
# certificate read from the GIDS file system (zlib-compressed minidriver
# file), refuses a wrong PIN with a try spent and signs with the right
# one; openssl verifies the signature against the certificate.
. "$(dirname "$0")/interop-lib.sh"
need pkcs11-tool
need opensc-tool
[ -r "$PKCS11" ] || { echo "SKIP: $PKCS11 missing" >&2; exit 77; }

check "init a GIDS card" $W "$V" init $VT --state "$D/card" \
    --seal-key "$SCL_RIG_SEAL_KEY" --name "GIDS card" --applet gids
check_out "the state says applet gids" "applet: gids" \
    $W "$V" show --state "$D/card"
check "import alice RSA 2048 into the first container" $W "$V" import $VT \
    --state "$D/card" --seal-key "$SCL_RIG_SEAL_KEY" --slot 9a \
    --key "$PKI/alice.key.pem" --cert "$PKI/alice.cert.pem"
[ -n "$VT" ] && check_out "the card keeps its keys in the TPM" \
    "protection: tpm" "$V" show --state "$D/card"
check "insert the card" "$SCL_RIG_CARD" insert 0 "$D/card"

check_out "opensc-tool -n names the card GIDS" "GIDS" opensc-tool -r 0 -n
check_fail "the card does not answer as PIV" sh -c \
    "opensc-tool -r 0 -n | grep -q 'Personal Identity Verification'"
pkcs11-tool --module "$PKCS11" -L >"$D/slots" 2>&1
if grep -q "GIDS card" "$D/slots"; then
	ok "pkcs11-tool -L shows the GIDS token"
else
	not_ok "pkcs11-tool -L shows the GIDS token"
	sed 's/^/#   /' "$D/slots"
fi
pkcs11-tool --module "$PKCS11" -O >"$D/objects" 2>&1
if grep -q "CN=alice" "$D/objects"; then
	ok "pkcs11-tool -O lists alice's certificate from the GIDS file system"
else
	not_ok "pkcs11-tool -O lists alice's certificate from the GIDS file system"
	sed 's/^/#   /' "$D/objects"
fi
pkcs11-tool --module "$PKCS11" -r --type cert --id 00 -o "$D/cert.der" \
    >"$D/out" 2>&1
openssl x509 -in "$PKI/alice.cert.pem" -outform der -out "$D/alice.der"
if cmp -s "$D/cert.der" "$D/alice.der"; then
	ok "the certificate read through GIDS is alice's, byte for byte"
else
	not_ok "the certificate read through GIDS is alice's, byte for byte"
	sed 's/^/#   /' "$D/out"
fi

printf 'sign me %s\n' "$(date +%s%N)" > "$D/data"
check_fail "a wrong PIN is refused" pkcs11-tool --module "$PKCS11" --login \
    --pin 000000 --sign --id 00 -m SHA256-RSA-PKCS -i "$D/data" -o "$D/sig"
check_out "the wrong PIN cost a try (state file)" "PIN tries left: 2 of 3" \
    $W "$V" show --state "$D/card"
rm -f "$D/sig"
if pkcs11-tool --module "$PKCS11" --login --pin 123456 --sign --id 00 \
    -m SHA256-RSA-PKCS -i "$D/data" -o "$D/sig" >"$D/out" 2>&1 &&
    [ -s "$D/sig" ]; then
	openssl x509 -in "$PKI/alice.cert.pem" -pubkey -noout > "$D/pub"
	if openssl dgst -sha256 -verify "$D/pub" -signature "$D/sig" \
	    "$D/data" >/dev/null 2>&1; then
		ok "RSA 2048 over GIDS: pkcs11-tool signs, openssl verifies"
	else
		not_ok "RSA 2048 over GIDS: the signature does not verify"
	fi
else
	not_ok "RSA 2048 over GIDS: pkcs11-tool --sign failed"
	sed 's/^/#   /' "$D/out"
fi
check_out "a right PIN restores the counter" "PIN tries left: 3 of 3" \
    $W "$V" show --state "$D/card"
check "remove the card" "$SCL_RIG_CARD" remove 0
finish
