#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# e2e-certcache.sh: the certificate cache (issue 14) on the rig: real pcscd
# + vpcd, sclogin-vcard (alice, PIN 123456) behind tests/hardening/
# fault-card in pass mode, whose wire log (the bench's APDU counter:
# header, lengths, SW, the tag of a GET DATA) says which APDUs each
# sign-in sent; pam_sclogin through bench/pam-bench.  Cases: cold and warm
# sign-in (warm: no certificate GET DATA; at most 10 APDUs with alice's
# RSA 2048 key: SELECT, GET DATA CHUID, empty VERIFY in the scan, the same
# three in the authentication, VERIFY, GENERAL AUTHENTICATE chained in two
# commands and its GET RESPONSE; at most 8 with carol's P-256 key), cache
# off (=
# the old behaviour), a re-personalised card (new certificate under the
# same GUID), a clone of alice's GUID with bob's key (PAM_AUTH_ERR), a
# damaged, an oversized, a foreign-owned cache file and an open cache
# directory (each: the card is read and the sign-in succeeds).
# Runs itself inside tests/rig/rig-run.  Needs SCL_BUILD_ROOT.
set -uo pipefail

src=${SCL_SOURCE_ROOT:-$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}
build=${SCL_BUILD_ROOT:-$src/build}
export SCL_SOURCE_ROOT=$src SCL_BUILD_ROOT=$build

if [ -z "${SCL_RIG_DIR:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (the rig)"; exit 77; }
	exec "$src/tests/rig/rig-run" -- bash "$(readlink -f "$0")" "$@"
fi

[ -f "$build/pam/pam_sclogin.so" ] || { echo "SKIP: pam_sclogin.so not built"; exit 77; }

work=$SCL_RIG_DIR/certcache
mkdir -p "$work"
# shellcheck source=bench/setup.sh
. "$src/bench/setup.sh"
bench_tools "$work/bin"
bench_pki "$work/pki"
bench_users "$work/nss"
bench_pam_sclogin "$work/conf" "$work/pki"
bench_rig_users "$work/bin" "$work/nss" || exit 1
W=${SCL_TEST_WRAPPER:-}
[ -z "$W" ] || sed -i "s|^exec |exec $W |" "$work/bin/pam-bench-nss"
cache=$work/conf/sclogin/certs

pass=0
fail=0
fc_pid=
ok() { echo "ok   - $*"; pass=$((pass + 1)); }
not_ok() { echo "FAIL - $*"; fail=$((fail + 1)); }

bench_card "$work/card" "$work/pki" alice
guid=$("$SCL_VCARD" show --state "$work/card/alice.state" 2>/dev/null |
    sed -n 's/^guid: //p')
entry=$cache/$guid-9a

# card_in STATE: fault-card (pass, wire log) on 41000 -> 40000, vcard behind
card_in() {
	rm -f "$work/wire.log"
	$W "$work/bin/fault-card" --listen 41000 --connect 40000 --once \
	    --log "$work/wire.log" >"$work/fault-card.out" 2>&1 &
	fc_pid=$!
	timeout 60 "$SCL_RIG_CARD" insert-cmd 0 "$SCL_VCARD" run \
	    --state "$1" --port 41000 --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
}

card_out() {
	if [ -n "$fc_pid" ]; then
		kill "$fc_pid" 2>/dev/null
		wait "$fc_pid" 2>/dev/null
		fc_pid=
	fi
	timeout 60 "$SCL_RIG_CARD" remove 0 >/dev/null 2>&1 || true
	timeout 60 "$SCL_RIG_CARD" wait 0 absent >/dev/null 2>&1 || true
}

# signin SERVICE: one sign-in as $U (default alice); sets res, apdus,
# certreads
signin() {
	local before line
	before=$(grep -c '^n=' "$work/wire.log" 2>/dev/null || true)
	line=$("$work/bin/pam-bench-nss" --confdir "$work/conf/pam.d" \
	    --service "$1" --user "${U:-alice}" --pin 123456 --runs 1 \
	    --timeout-ms 60000 | grep '^run=' | head -1)
	res=$(sed -n 's/.* name=\([A-Z_]*\).*/\1/p' <<<"$line")
	grep '^n=' "$work/wire.log" | tail -n +$((before + 1)) >"$work/last.txt"
	apdus=$(wc -l <"$work/last.txt")
	certreads=$(grep -ci '5FC105' "$work/last.txt")
	echo "# $1: $res, $apdus APDUs, $certreads certificate reads"
}

# check NAME WANT_RES WANT_CERTREADS [MAX_APDUS]
check() {
	if [ "$res" != "$2" ]; then
		not_ok "$1: $res, want $2"
	elif [ "$certreads" != "$3" ]; then
		not_ok "$1: $certreads certificate reads, want $3"
		cat "$work/last.txt"
	elif [ -n "${4:-}" ] && [ "$apdus" -gt "$4" ]; then
		not_ok "$1: $apdus APDUs, want at most $4"
		cat "$work/last.txt"
	else
		ok "$1"
	fi
}

same_der() {	# FILE_DER CACHE_FILE: the entry holds exactly that DER
	cmp -s "$1" <(tail -c +"$(( $(head -1 "$2" | wc -c) + 1 ))" "$2")
}

[ -n "$guid" ] || { echo "FAIL - cannot read the card's GUID"; exit 1; }
card_in "$work/card/alice.state"

signin bench-sclogin
check cold PAM_SUCCESS 1
if [ "$(stat -c '%u %a' "$cache")" = "0 700" ] &&
    [ "$(stat -c '%u %a' "$entry" 2>/dev/null)" = "0 600" ] &&
    same_der "$work/pki/alice.cert.der" "$entry"; then
	ok "cold: entry written (root, 0600 in 0700)"
else
	not_ok "cold: entry $entry: $(stat -c '%u %a' "$cache" "$entry" 2>&1)"
fi

signin bench-sclogin
check "warm: no certificate read" PAM_SUCCESS 0 10
echo "# warm APDUs:"; sed 's/^/#   /' "$work/last.txt"

signin bench-sclogin_cold
check "cert_cache = no: the card is read" PAM_SUCCESS 1

printf 'garbage\n' >"$entry"
signin bench-sclogin
check "damaged entry: the card is read" PAM_SUCCESS 1
same_der "$work/pki/alice.cert.der" "$entry" &&
    ok "damaged entry: replaced" || not_ok "damaged entry: not replaced"

{ head -1 "$entry"; head -c 20000 /dev/zero; } >"$entry.big" &&
    mv "$entry.big" "$entry" && chmod 0600 "$entry"
signin bench-sclogin
check "oversized entry: the card is read" PAM_SUCCESS 1

chown 1000 "$entry"
signin bench-sclogin
check "entry not root's: the card is read" PAM_SUCCESS 1

chmod 0777 "$cache"
signin bench-sclogin
check "cache dir writable by others: the card is read" PAM_SUCCESS 1
chmod 0700 "$cache"
signin bench-sclogin
check "warm again" PAM_SUCCESS 0 10
card_out

# Re-personalised: alice's card gets another alice certificate and key
# (alice-revoked: the bench config has crl = off) under the same GUID.
"$SCL_VCARD" import --state "$work/card/alice.state" --slot 9a \
    --key "$work/pki/alice-revoked.key.pem" \
    --cert "$work/pki/alice-revoked.cert.pem" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
card_in "$work/card/alice.state"
signin bench-sclogin
check "re-personalised: stale entry, fallback read once" PAM_SUCCESS 1
same_der "$work/pki/alice-revoked.cert.der" "$entry" &&
    ok "re-personalised: entry updated" ||
    not_ok "re-personalised: entry not updated"
signin bench-sclogin
check "re-personalised: warm" PAM_SUCCESS 0 10
card_out

# A clone: alice's GUID (a copy of her card's state), bob's key and
# certificate.  The cache offers alice's certificate, the proof fails,
# bob's certificate maps to bob: never alice.
cp -p "$work/card/alice.state" "$work/card/clone.state"
"$SCL_VCARD" import --state "$work/card/clone.state" --slot 9a \
    --key "$work/pki/bob.key.pem" --cert "$work/pki/bob.cert.pem" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
card_in "$work/card/clone.state"
signin bench-sclogin
check "clone of alice's GUID with bob's key: refused" PAM_AUTH_ERR 1
[ ! -e "$entry" ] && ok "clone: alice's entry dropped" ||
    not_ok "clone: alice's entry kept"
card_out

# An ECC card (carol, P-256): the signature fits one short APDU, so a warm
# sign-in is issue 14's goal of at most 8.
bench_card "$work/card" "$work/pki" carol
card_in "$work/card/carol.state"
U=carol signin bench-sclogin
check "P-256 cold" PAM_SUCCESS 1
U=carol signin bench-sclogin
check "P-256 warm: at most 8 APDUs" PAM_SUCCESS 0 8
card_out

echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
