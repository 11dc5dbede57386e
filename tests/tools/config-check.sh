#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# sclogin config check on configurations and PAM folders made here: a good
# setup passes; each broken piece (a config syntax error, a config file
# not owned by root, hard-fail revocation with no CRL, a bad mapfile line,
# an unknown module argument, a missing module, a `required` card line in
# front of a password, a removal action with no pam_systemd before it) is
# the finding it should be, with its exit status.  Needs root (the config
# file must be root-owned, as for the module).
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root" >&2; exit 77; }
W=${SCL_TEST_WRAPPER:-}
PKI=${SCL_TEST_PKI:?}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
n=0
failures=0
# run WANT_EXIT DESCRIPTION: sclogin config check on $D/conf and $D/pam.d
run() {
	want=$1; shift
	$W "$SCLOGIN" config check --config "$D/conf" --pam-dir "$D/pam.d" \
	    "$@" >"$D/out" 2>&1
	got=$?
}
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; sed 's/^/#   /' "$D/out"; }
# expect WANT_EXIT PATTERN DESCRIPTION
expect() {
	if [ "$got" -eq "$1" ] && grep -q -- "$2" "$D/out"; then ok "$3"
	else not_ok "$3 (exit $got, wanted $1 and '$2')"; fi
}

module=$SCL_BUILD_ROOT/pam/pam_sclogin.so
mkdir -p "$D/pam.d" "$D/state" "$D/crl-empty"
fp=$(openssl x509 -in "$PKI/alice.cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
printf 'alice: sha256:%s\n' "$fp" >"$D/mapfile"
good_conf() {
	cat >"$D/conf" <<CONF
[global]
ca_file = $PKI/ca.pem
crl = hard-fail
crl_dir = $PKI/crl
ocsp = off
mapping = mapfile
mapfile = $D/mapfile
state_dir = $D/state
CONF
	chmod 0644 "$D/conf"
}
good_conf
cat >"$D/pam.d/login" <<PAM
auth     sufficient  $module
@include common-auth
account  required    $module
PAM
printf 'auth required pam_unix.so\n' >"$D/pam.d/common-auth"

run 0
expect 0 "0 errors" "a good setup passes"
grep -q "ok .*login:1: auth sufficient" "$D/out" && ok "the service's auth line is listed" || not_ok "the service's auth line is listed"

run 0 --json
if [ "$got" -eq 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["errors"] == 0 and any(f["where"].endswith("login:1") for f in d["findings"])' "$D/out"; then
	ok "--json: valid JSON with the findings"
else
	not_ok "--json: valid JSON with the findings"
fi

printf '[global]\nca_file = %s\nno_such_key = 1\n' "$PKI/ca.pem" >"$D/conf"
run 4
expect 4 "conf:3" "a config syntax error is an error naming FILE:LINE"
good_conf

chown 65534 "$D/conf"
run 4
expect 4 "error" "a config file not owned by root is an error (the module refuses it)"
chown 0 "$D/conf"

sed -i "s|^crl_dir = .*|crl_dir = $D/crl-empty|" "$D/conf"
run 4
expect 4 "every certificate without a cached CRL is refused" "hard-fail revocation with no CRL is an error"
good_conf

printf 'alice: sha257:00\n' >>"$D/mapfile"
run 4
expect 4 "mapfile:2" "a malformed mapfile line is an error naming the line"
printf 'alice: sha256:%s\n' "$fp" >"$D/mapfile"

printf 'auth sufficient %s frobnicate=1\n' "$module" >"$D/pam.d/sudo"
run 4
expect 4 "sudo:1.*module refuses to run" "an unknown module argument is an error"
printf 'auth sufficient %s/nonexistent/pam_sclogin.so\n' "$D" >"$D/pam.d/sudo"
run 0
expect 0 "is not there: PAM cannot load it" "a missing module behind sufficient is a warning"
printf 'auth required %s/nonexistent/pam_sclogin.so\n' "$D" >"$D/pam.d/sudo"
run 4
expect 4 "every sign-in on this service fails" "a missing module behind required is an error"
printf 'auth required %s\nauth required pam_unix.so\n' "$module" >"$D/pam.d/sudo"
run 0
expect 0 "the password after it cannot rescue it" "a required card line before a password is a warning"
printf 'auth required %s\n' "$module" >"$D/pam.d/sudo"
run 0
if [ "$got" -eq 0 ] && ! grep -q "cannot rescue" "$D/out"; then ok "a card-only required line is fine"
else not_ok "a card-only required line is fine"; fi
rm -f "$D/pam.d/sudo"

printf 'session optional %s removal_action=lock\n' "$module" >"$D/pam.d/xlock"
run 0
expect 0 "needs pam_systemd before pam_sclogin" "removal_action without pam_systemd first is a warning"
printf '@include common-session\nsession optional %s removal_action=lock\n' "$module" >"$D/pam.d/xlock"
printf 'session optional pam_systemd.so\n' >"$D/pam.d/common-session"
run 0
if [ "$got" -eq 0 ] && ! grep -q "needs pam_systemd" "$D/out"; then ok "pam_systemd from an @include counts"
else not_ok "pam_systemd from an @include counts"; fi

rm -f "$D/pam.d/login" "$D/pam.d/xlock"
run 0
expect 0 "no PAM service loads pam_sclogin.so" "no service with the module is said"

echo "1..$n"
[ "$failures" -eq 0 ]
