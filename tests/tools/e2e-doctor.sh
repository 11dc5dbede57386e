#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# sclogin doctor on the rig: ok for alice, the right failing step and fix
# for expired / unmapped / untrusted / wrong user, config errors, no card;
# never spends a PIN try.
. "$(dirname "$0")/lib.sh"
in_rig "$@"

# Users through nss_wrapper (mapping checks that users exist).
cat >"$T/passwd" <<P
root:x:0:0:root:/root:/bin/sh
alice:x:1001:1001:Alice:/home/alice:/bin/sh
bob:x:1002:1002:Bob:/home/bob:/bin/sh
carol:x:1003:1003:Carol:/home/carol:/bin/sh
dave:x:1004:1004:Dave:/home/dave:/bin/sh
P
printf 'root:x:0:\nalice:x:1001:\nbob:x:1002:\nsmartcard:x:2001:alice\n' \
    >"$T/group"
cat >"$T/sclogin.conf" <<C
[global]
ca_file = $PKI/ca.pem
mapfile = $PKI/mapfile
mapping = upn, mapfile, cn
upn_domain = example.test
crl = off
ocsp = off
card_timeout_ms = 5000
C
printf '[global]\nocsp = requried\n' >"$T/bad.conf"

doctor() {
	LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD="$T/passwd" \
	NSS_WRAPPER_GROUP="$T/group" \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    sclogin doctor --config "$T/sclogin.conf" "$@"
}

expect 3 doctor --user alice
has 'FAIL'
has 'Result: sign-in would FAIL'
ok "doctor without a card exits 3 and says where it stopped"

mkcard alice alice
insert 0 "$T/alice.state"
expect 0 doctor --user alice
has '\[ ok \] SERVICE'
has '\[ ok \] CERT_VALID'
has '\[ ok \] MAPPING'
has '\[ ok \] PIN_STATE'
has "Result: OK: 'Virtual PCD 00 00' slot 9a (CN=alice.*) signs in as alice"
has 'PIN tries left 3'
has '\[ -- \] CARD *Virtual PCD 00 01: no card'
lacks 'FAIL'
ok "doctor --user alice: every step ok, result OK"

expect 0 doctor --user alice --json
json_ok
[ "$(jget 'd["ok"]')" = True ] || fail "ok true"
[ "$(jget 'd["candidates"][0]["users"]')" = "['alice']" ] || fail "users"
[ "$(jget '[s["step"] for s in d["steps"] if s["verdict"] == "fail" and s["reason"] != "NO_CARD"]')" = "[]" ] ||
    fail "no failing step"
[ "$(jget '[s["reader"] for s in d["steps"] if s["reason"] == "NO_CARD"]')" = "['Virtual PCD 00 01']" ] ||
    fail "only the empty reader has no card"
ok "doctor --json parses"

expect 0 doctor
has 'card-only'
has 'signs in as alice'
ok "doctor card-only finds alice from the certificate"

expect 4 doctor --user bob
has '\[FAIL\] MAPPING'
has 'fix:'
has 'would FAIL at MAPPING'
ok "doctor --user bob on alice's card fails at MAPPING with a fix"

[ "$(tries)" = 3 ] || fail "doctor spent a PIN try"
ok "doctor spent no PIN try"
remove 0

# check_cert NAME STEP REASON: a card with NAME fails at STEP with REASON.
check_cert() {
	mkcard "$1" "$1"
	insert 0 "$T/$1.state"
	expect 4 doctor --user alice
	has "\[FAIL\] $2 .*$3"
	has 'fix: '
	has "would FAIL at $2 ($3)"
	expect 4 doctor --user alice --json
	json_ok
	[ "$(jget 'd["reason"]')" = "$3" ] || fail "$1: reason"
	[ "$(jget 'd["reason_step"]')" = "$2" ] || fail "$1: step"
	[ "$(jget '[s["fix"] for s in d["steps"] if s["verdict"] == "fail"][0] is not None')" = True ] ||
	    fail "$1: no fix in JSON"
	remove 0
	ok "doctor: $1 fails at $2 ($3) with a fix"
}
check_cert alice-expired CERT_VALID CERT_EXPIRED
check_cert alice-untrusted CERT_VALID CERT_UNTRUSTED
check_cert alice-noeku CERT_VALID CERT_EKU
check_cert stranger MAPPING NO_MAPPING

# Revocation by CRL, and a per-service section (--service).
cat >>"$T/sclogin.conf" <<C
[service strict]
crl = hard-fail
crl_dir = $PKI/crl
[service other]
ca_file = $PKI/other-ca.pem
C
mkcard revoked alice-revoked
insert 0 "$T/revoked.state"
expect 0 doctor --user alice
expect 4 doctor --user alice --service strict
has '\[FAIL\] REVOCATION .*CERT_REVOKED'
has 'would FAIL at REVOCATION (CERT_REVOKED)'
remove 0
ok "doctor --service strict: a revoked certificate fails at REVOCATION"
insert 0 "$T/alice.state"
expect 0 doctor --user alice --service strict
expect 4 doctor --user alice --service other
has 'would FAIL at CERT_VALID (CERT_UNTRUSTED)'
remove 0
ok "doctor --service applies that service's section"

mkcard stranger2 stranger
insert 0 "$T/stranger2.state"
expect 4 doctor
has 'would FAIL at MAPPING'
remove 0
ok "doctor card-only with an unmapped certificate fails at MAPPING"

expect 4 doctor --user alice --config "$T/bad.conf"
has '\[FAIL\] CONFIG'
has 'bad.conf:2'
ok "doctor reports a config error with file and line"
expect 2 doctor --slots 9b
expect 2 doctor extra
ok "doctor usage errors exit 2"
done_ok
