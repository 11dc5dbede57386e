#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Management key (9B) mutual authentication from OpenSC's piv-tool, for
# 3DES and AES-128/192/256 (yubico-piv-tool 2.2.0 only speaks 3DES): the
# right key unlocks PUT DATA, a wrong key and no key do not.
. "$(dirname "$0")/interop-lib.sh"
need piv-tool

PUT=00:DB:3F:FF:08:5C:03:5F:C1:09:53:01:00
hexkey() { printf '%s' "$1" | sed 's/../&:/g; s/:$//' > "$2"; }

for spec in 3des:03:010203040506070801020304050607080102030405060708 \
    aes128:08:00112233445566778899aabbccddeeff \
    aes192:0A:00112233445566778899aabbccddeeff0011223344556677 \
    aes256:0C:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
do
	alg=${spec%%:*}; rest=${spec#*:}; p1=${rest%%:*}; key=${rest#*:}
	rm -f "$D/card"
	check "init a card with a $alg admin key" $W "$V" init $VT --state "$D/card" \
	    --seal-key "$SCL_RIG_SEAL_KEY" --admin-alg "$alg" --admin-key "$key"
	check "insert it" "$SCL_RIG_CARD" insert 0 "$D/card"
	hexkey "$key" "$D/key"
	check_out "$alg: piv-tool mutual auth, then PUT DATA succeeds" \
	    "SW1=0x90, SW2=0x00" env PIV_EXT_AUTH_KEY="$D/key" piv-tool \
	    -A "M:9B:$p1" -s "$PUT"
	bad=$(printf '%s' "$key" | sed 's/^../ff/')
	hexkey "$bad" "$D/bad"
	check_out "$alg: a wrong key is refused" "admin_mode failed" \
	    env PIV_EXT_AUTH_KEY="$D/bad" piv-tool -A "M:9B:$p1" -s "$PUT"
	check_out "$alg: without the key PUT DATA is refused" \
	    "SW1=0x69, SW2=0x82" piv-tool -s "$PUT"
	check "remove it" "$SCL_RIG_CARD" remove 0
done
finish
