# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Sourced by the greeter and removal monitor tests: p11_token DIR LEAF makes
# a SoftHSM2 token LEAF (user PIN 123456) in DIR with the test PKI's LEAF
# key pair and certificate under CKA_ID 01 (as tests/p11/e2e-p11.c's
# token()), exports SOFTHSM2_CONF, and sets p11_slot and p11_serial from
# pkcs11-tool's listing.  Needs SCL_TEST_PKI; status 1 on failure.
SOFTHSM=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so

p11_token() {
	p11_dir=$1
	p11_leaf=$2
	mkdir -p "$p11_dir/db" || return 1
	printf 'directories.tokendir = %s/db\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$p11_dir" > "$p11_dir/softhsm2.conf"
	export SOFTHSM2_CONF="$p11_dir/softhsm2.conf"
	(cd "$p11_dir" && softhsm2-util --init-token --free --label "$p11_leaf" \
	    --pin 123456 --so-pin 12345678 >/dev/null &&
	    openssl pkcs8 -topk8 -nocrypt -in "$SCL_TEST_PKI/$p11_leaf.key.pem" \
	    -outform DER -out key.der &&
	    openssl pkey -in "$SCL_TEST_PKI/$p11_leaf.key.pem" -pubout \
	    -outform DER -out pub.der &&
	    for o in "key.der privkey" "pub.der pubkey" \
		"$SCL_TEST_PKI/$p11_leaf.cert.der cert"; do
		set -- $o
		pkcs11-tool --module "$SOFTHSM" --token-label "$p11_leaf" \
		    --login --pin 123456 --write-object "$1" --type "$2" \
		    --id 01 --label "$p11_leaf" >/dev/null 2>&1 || exit 1
	    done) || return 1
	p11_slot=$(pkcs11-tool --module "$SOFTHSM" -L 2>/dev/null |
	    sed -n 's/^Slot [0-9]* (0x[0-9a-f]*): //p' | head -n 1)
	p11_serial=$(pkcs11-tool --module "$SOFTHSM" -L 2>/dev/null |
	    sed -n 's/^ *serial num *: //p' | head -n 1)
	[ -n "$p11_slot" ] && [ -n "$p11_serial" ]
}
