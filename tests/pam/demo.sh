#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# The demo of `./dev demo`, run inside tests/rig/rig-run: make the test PKI,
# a virtual PIV card with alice's key and certificate, a PAM service file,
# and sign alice in through the real PAM stack (libpam, pam_start_confdir)
# on a real pcscd; then show a wrong PIN refused with the tries left, and a
# card-only sign-in that finds the user from the certificate; last, the
# mapping from an LDAP directory (a real slapd) and its offline cache.
set -eu
: "${SCL_RIG_DIR:?run me with tests/rig/rig-run -- $0}"
S=${SCL_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${SCL_BUILD_ROOT:-$S/build}
export SCL_VCARD=${SCL_VCARD:-$B/vcard/sclogin-vcard}
module=$B/pam/pam_sclogin.so
client=$B/tests/pam/pam-client
rigcard=${SCL_RIG_CARD:-$S/tests/rig/rig-card}
for f in "$SCL_VCARD" "$module" "$client"; do
	[ -e "$f" ] || { echo "demo: $f is missing (build first)" >&2; exit 1; }
done

work=$SCL_RIG_DIR/demo
mkdir -p "$work/pam.d" "$work/state" "$work/cache"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Test PKI (openssl): a root CA and a smart card logon certificate for alice"
sh "$S/tests/pki/mkpki.sh" "$work/pki" >/dev/null
openssl x509 -in "$work/pki/alice.cert.pem" -noout -subject -issuer \
    -ext extendedKeyUsage,subjectAltName 2>/dev/null | sed 's/^/   /'

step "2. A virtual PIV card holding alice's key (slot 9A) and certificate, PIN 123456"
state=$work/alice.card
"$SCL_VCARD" init --state "$state" --name "Alice's card" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
"$SCL_VCARD" import --state "$state" --slot 9a \
    --key "$work/pki/alice.key.pem" --cert "$work/pki/alice.cert.pem" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
"$rigcard" insert 0 "$state"
echo "   inserted into 'Virtual PCD 00 00' (private pcscd, vpcd driver)"

step "3. Users (nss_wrapper), /etc/sclogin/sclogin.conf and a PAM service"
cat >"$work/passwd" <<PW
root:x:0:0:root:/root:/bin/sh
alice:x:1001:1001:Alice:/nonexistent:/bin/sh
bob:x:1002:1002:Bob:/nonexistent:/bin/sh
PW
printf 'root:x:0:\nalice:x:1001:\nbob:x:1002:\nsmartcard:x:2001:alice\n' \
    >"$work/group"
cat >"$work/sclogin.conf" <<CONF
[global]
ca_file = $work/pki/ca.pem
mapfile = $work/pki/mapfile
mapping = upn, mapfile, cn
upn_domain = example.test
state_dir = $work/state
cert_cache = $work/certs
crl_cache_dir = $work/cache
crl = hard-fail
crl_dir = $work/pki/crl
ocsp = off
CONF
cat >"$work/pam.d/sclogin-demo" <<SVC
auth     required  $module config=$work/sclogin.conf
account  required  $module config=$work/sclogin.conf
account  required  pam_permit.so
SVC
chmod 0644 "$work/sclogin.conf" "$work/pam.d/sclogin-demo"
sed 's/^/   /' "$work/pam.d/sclogin-demo"
export LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=$work/passwd \
    NSS_WRAPPER_GROUP=$work/group

run() {
	printf '\n   $ pam-client %s\n' "$*"
	"$client" --confdir "$work/pam.d" --service sclogin-demo "$@" |
	    sed 's/^/   /'
}

step "4. alice signs in with her card and PIN"
run --user alice --pin 123456

step "5. A wrong PIN is refused, and the user is told how many tries are left"
run --user alice --pin 000000 || true

step "6. Card-only sign-in: no user name, the certificate says who it is"
run --pin 123456

step "7. Empty PIN = \"use another sign-in option\" (PAM_AUTHINFO_UNAVAIL, no try spent)"
run --user alice --pin "" || true

# mkcard STATE NAME LEAF: a virtual card with PKI leaf LEAF in 9A
mkcard() {
	"$SCL_VCARD" init --state "$1" --name "$2" \
	    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
	"$SCL_VCARD" import --state "$1" --slot 9a \
	    --key "$work/pki/$3.key.pem" --cert "$work/pki/$3.cert.pem" \
	    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
}

step "8. Two cards that can both sign alice in: she picks one (answer 2)"
mkcard "$work/spare.card" "Alice's spare card" alice
"$rigcard" insert 1 "$work/spare.card"
run --user alice --answer 2 --pin 123456
"$rigcard" remove 1 >/dev/null 2>&1 || true

step "9. A card linked to two accounts (mapfile: alice, bob): card-only asks who (answer bob)"
"$rigcard" remove 0 >/dev/null 2>&1 || true
mkcard "$work/shared.card" "Shared card" shared
"$rigcard" insert 0 "$work/shared.card"
run --answer bob --pin 123456

"$rigcard" remove 0 >/dev/null 2>&1 || true

step "10. A machine whose mapping comes from the directory: slapd holds alice's certificate"
sh "$S/tests/directory/ldap-fixture.sh" "$work/pki" "$work/ldap" >/dev/null
sh "$S/tests/directory/ldap-fixture.sh" --instance "$work/ldap" a
env -u LD_PRELOAD slapd -d 0 -f "$work/ldap/a/slapd.conf" \
    -h "ldap://127.0.0.1:3890/ ldaps://127.0.0.1:6360/" 2>/dev/null &
slapd_pid=$!
i=0
until env -u LD_PRELOAD ldapsearch -x -H ldap://127.0.0.1:3890 -b "" -s base \
    >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "demo: slapd did not start" >&2; exit 1; }
	sleep 0.05
done
env -u LD_PRELOAD LDAPTLS_CACERT="$work/pki/ca.pem" ldapsearch -LLL -x \
    -o ldif-wrap=no \
    -H ldaps://127.0.0.1:6360 -b ou=people,dc=example,dc=test '(uid=alice)' \
    uid userPrincipalName userCertificate | sed 's/^\(userCertificate;binary::.\{40\}\).*/\1.../; s/^/   /'
cat >"$work/sclogin-dir.conf" <<CONF
[global]
ca_file = $work/pki/ca.pem
mapping = directory
state_dir = $work/state
cert_cache = $work/certs
crl = off
ocsp = off
directory_uri = ldaps://127.0.0.1:6360
directory_base = ou=people,dc=example,dc=test
directory_ca_file = $work/pki/ca.pem
directory_certificate_assertion = issuer-serial
offline_max_age = 86400
CONF
cat >"$work/pam.d/sclogin-dir" <<SVC
auth     required  $module config=$work/sclogin-dir.conf
account  required  $module config=$work/sclogin-dir.conf
account  required  pam_permit.so
SVC
chmod 0644 "$work/sclogin-dir.conf" "$work/pam.d/sclogin-dir"
"$rigcard" insert 0 "$state"
run_dir() {
	printf '\n   $ pam-client --service sclogin-dir %s\n' "$*"
	"$client" --confdir "$work/pam.d" --service sclogin-dir "$@" |
	    sed 's/^/   /'
}
run_dir --pin 123456
printf '\n   $ sclogin doctor (the directory step)\n'
"$B/tools/sclogin" doctor --config "$work/sclogin-dir.conf" 2>&1 |
    grep -A2 DIRECTORY | cut -c1-150 | sed 's/^/   /'

step "11. The directory is down: alice still signs in from the offline cache, and is told"
kill "$slapd_pid" 2>/dev/null || true
wait "$slapd_pid" 2>/dev/null || true
run_dir --pin 123456

"$rigcard" remove 0 >/dev/null 2>&1 || true
printf '\n\033[1mDemo done.\033[0m\n'
