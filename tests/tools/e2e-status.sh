#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# sclogin status on the rig: card, objects, certificate facts and the PIN
# tries left, read without spending a try.
. "$(dirname "$0")/lib.sh"
in_rig "$@"

mkcard alice alice
insert 0 "$T/alice.state"

expect 0 sclogin status
has 'Reader:  Virtual PCD 00 00'
has 'PIN tries left: 3'
has 'PUK tries left: 3'
has 'Certificate in slot 9a:'
has 'Subject:    CN=alice'
has 'Issuer:     .*sclogin Test Root CA'
has 'EKU:        .*smartcardLogon'
has 'EKU:        .*clientAuth'
has 'Key usage:  digitalSignature'
has 'UPN:        alice@example.test'
has 'Key:        RSA 2048'
has 'Certificate 9A (PIV Authentication) *[0-9]* bytes'
has 'Certificate 9C (Digital Signature) *absent'
fp=$(openssl x509 -in "$PKI/alice.cert.pem" -noout -fingerprint -sha256 |
    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
has "SHA-256:    $fp"
ok "status shows the certificate: subject, issuer, EKU, KU, UPN, key, SHA-256"

expect 0 sclogin status --json
json_ok
[ "$(jget 'd["pin"]["tries_left"]')" = 3 ] || fail "tries 3"
[ "$(jget 'd["certificates"][0]["slot"]')" = 9a ] || fail "slot"
[ "$(jget 'd["certificates"][0]["sha256"]')" = "$fp" ] || fail "sha256"
[ "$(jget 'd["certificates"][0]["upn"]')" = alice@example.test ] || fail "upn"
[ "$(jget 'd["certificates"][0]["expired"]')" = False ] || fail "expired"
ok "status --json parses and carries the same facts"

# One wrong PIN (through pin change), then status twice: 2 both times.
printf '999999\n123457\n' | sclogin pin change --pin-fd 0 >/dev/null 2>&1
[ $? -eq 5 ] || fail "wrong PIN exit 5"
[ "$(tries)" = 2 ] || fail "tries after one wrong PIN"
[ "$(tries)" = 2 ] || fail "status spent a try"
[ "$(tries)" = 2 ] || fail "status spent a try"
expect 0 sclogin status
has 'PIN tries left: 2'
ok "status reads tries left (2 after one wrong PIN) without spending any"

# Expired certificate is marked; the other reader by name.
mkcard old alice-expired
insert 1 "$T/old.state"
expect 0 sclogin status --reader '00 01'
has 'Reader:  Virtual PCD 00 01'
has '(EXPIRED)'
ok "status --reader picks a reader by a unique part and marks EXPIRED"
expect 0 sclogin status
has 'Reader:  Virtual PCD 00 00'
has '2 cards present; this is the first'
ok "status says when more cards are present"
expect 2 sclogin status --reader 'Virtual'
has_err 'matches several readers'
expect 3 sclogin status --reader 'No such reader'
ok "ambiguous reader is a usage error, an unknown one exits 3"

# An empty card.
remove 1
mkcard blank
insert 1 "$T/blank.state"
expect 0 sclogin status --reader '00 01'
has 'No certificates.'
ok "status of a card without certificates"
remove 0
remove 1
expect 3 sclogin status
has_err 'no card'
ok "status without a card exits 3"
done_ok
