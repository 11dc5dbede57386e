#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# yubico-piv-tool (libykpiv) against sclogin-vcard: version and serial,
# management key authentication (3DES), generate, import a certificate,
# sign with the generated key, verify / change / block / unblock the PIN
# (blocked stays blocked across a card restart), change the PUK, set a new
# management key, set retry counts.
. "$(dirname "$0")/interop-lib.sh"
need yubico-piv-tool
Y() { yubico-piv-tool -r "Virtual PCD 00 00" "$@"; }

check "init card" $W "$V" init $VT --state "$D/card" --seal-key "$SCL_RIG_SEAL_KEY"
check "insert the card" "$SCL_RIG_CARD" insert 0 "$D/card"
check_out "version (Yubico GET VERSION)" "5.4.3" Y -a version
check_out "status shows the serial" \
    "Serial Number:.$($W "$V" show --state "$D/card" --json | sed 's/.*"serial":\([0-9]*\).*/\1/')" \
    Y -a status

# generate with the default 3DES management key, certify, import, sign
check "generate RSA 2048 in 9a" Y -a generate -s 9a -A RSA2048 -o "$D/pub9a.pem"
check "generate ECC P-256 in 9e" Y -a generate -s 9e -A ECCP256 -o "$D/pub9e.pem"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout /dev/null -subj "/CN=interop" -out "$D/req" >/dev/null 2>&1
for s in 9a 9e; do
	check "certify the generated $s key (openssl, test CA)" openssl x509 \
	    -req -in "$D/req" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
	    -force_pubkey "$D/pub$s.pem" -days 30 -out "$D/cert$s.pem"
	check "import-certificate into $s" Y -a import-certificate -s $s \
	    -i "$D/cert$s.pem"
done
check "read-certificate gives it back" sh -c "yubico-piv-tool -r 'Virtual PCD 00 00' \
    -a read-certificate -s 9a | cmp - '$D/cert9a.pem'"
check_out "test-signature with the generated RSA key" \
    "Successful RSA verification" Y -a verify-pin -P 123456 \
    -a test-signature -s 9a -i "$D/cert9a.pem"
check_out "test-signature with the generated ECC key (9e, PIN never)" \
    "Successful ECDSA verification" Y -a test-signature -s 9e \
    -i "$D/cert9e.pem"

# PIN life cycle
check "verify-pin" Y -a verify-pin -P 123456
check "change-pin" Y -a change-pin -P 123456 -N 654321
check_out "wrong PIN decrements (2 left)" "2 tries left" Y -a verify-pin -P 123456
check_out "wrong PIN decrements (1 left)" "1 tries left" Y -a verify-pin -P 111111
check "right PIN" Y -a verify-pin -P 654321
check_out "right PIN restored the counter" "PIN tries left:.3" Y -a status
Y -a verify-pin -P 111111 >/dev/null 2>&1
Y -a verify-pin -P 111111 >/dev/null 2>&1
check_out "third wrong PIN blocks" "blocked" Y -a verify-pin -P 111111
check_out "blocked refuses the right PIN" "blocked" Y -a verify-pin -P 654321
check "restart the card (remove)" "$SCL_RIG_CARD" remove 0
check "restart the card (insert)" "$SCL_RIG_CARD" insert 0 "$D/card"
check_out "blocked stays blocked across a restart" "blocked" \
    Y -a verify-pin -P 654321
check_out "state file says blocked" "PIN tries left: 0 of 3 (blocked)" \
    $W "$V" show --state "$D/card"
check_out "a wrong PUK decrements" "2 tries left" \
    Y -a unblock-pin -P 00000000 -N 777777
check "unblock-pin with the PUK" Y -a unblock-pin -P 12345678 -N 777777
check "verify the new PIN" Y -a verify-pin -P 777777
check "change-puk" Y -a change-puk -P 12345678 -N 87654321
check_out "the old PUK is gone" "tries left" \
    Y -a unblock-pin -P 12345678 -N 777777

# management key
NEWKEY=0807060504030201080706050403020108070605040302AB
check "set-mgm-key (3DES)" Y -a set-mgm-key -n $NEWKEY
check_out "the old management key is refused" "authentication" \
    Y -a generate -s 9d -A ECCP384 -o /dev/null
check "the new management key works (generate P-384 in 9d)" \
    Y -k$NEWKEY -a generate -s 9d -A ECCP384 -o "$D/pub9d.pem"
check_out "pin-retries 5 5 (needs PIN and management key)" "changed pin retries" \
    Y -k$NEWKEY -a verify-pin -P 777777 -a pin-retries --pin-retries 5 \
    --puk-retries 5
check_out "retries reset the PIN to the default" "PIN tries left:.5" Y -a status
check "default PIN after pin-retries" Y -a verify-pin -P 123456
check "remove the card" "$SCL_RIG_CARD" remove 0
finish
