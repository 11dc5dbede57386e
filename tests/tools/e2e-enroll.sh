#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# sclogin enroll on the rig: a key generated on the card and a self-signed
# certificate or CSR signed by the card that then verify; import; refusals.
. "$(dirname "$0")/lib.sh"
in_rig "$@"

mkcard e
insert 0 "$T/e.state"

printf '123456\n' >"$T/pin"
expect 0 sclogin enroll --slot 9a --alg eccp256 --subject /CN=enrolled/O=Example \
    --upn enrolled@example.test --self-signed --days 30 --out "$T/e.pem" \
    --pin-fd 3 3<"$T/pin"
has 'Generated a key (eccp256) in slot 9a'
has 'Subject:    .*CN=enrolled'
openssl verify -CAfile "$T/e.pem" "$T/e.pem" >/dev/null 2>&1 ||
    fail "the self-signed certificate does not verify"
openssl x509 -in "$T/e.pem" -noout -text >"$T/out"
has 'Microsoft Smartcard Login'
has 'TLS Web Client Authentication'
has 'Digital Signature'
has 'othername: UPN:\{0,1\}.*enrolled@example.test'
ok "enroll eccp256 --self-signed: certificate verifies, EKU/KU/UPN set"

fp=$(openssl x509 -in "$T/e.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
    tr 'A-F' 'a-f')
expect 0 sclogin status --json
json_ok
[ "$(jget '[c["sha256"] for c in d["certificates"] if c["slot"] == "9a"][0]')" = "$fp" ] ||
    fail "the card does not hold the enrolled certificate"
[ "$(jget 'd["pin"]["tries_left"]')" = 3 ] || fail "tries"
ok "the card holds the enrolled certificate (status, same SHA-256)"

# The key on the card really is the certificate's: OpenSC signs with it.
if command -v pkcs11-tool >/dev/null 2>&1; then
	p11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
	printf 'challenge' >"$T/data"
	pkcs11-tool --module "$p11" --login --pin 123456 --sign --id 01 \
	    -m ECDSA-SHA256 --signature-format openssl -i "$T/data" \
	    -o "$T/sig" >/dev/null 2>&1 || fail "pkcs11-tool sign"
	openssl x509 -in "$T/e.pem" -noout -pubkey >"$T/pub.pem"
	openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/data" \
	    >/dev/null || fail "signature by OpenSC does not verify"
	ok "OpenSC signs with the enrolled key; the certificate verifies it"
fi

expect 0 sclogin enroll --slot 9c --alg rsa2048 --subject 'CN=req,O=Example' \
    --csr "$T/req.pem" --json --pin-fd 3 3<"$T/pin"
json_ok
[ "$(jget 'd["action"]')" = csr ] || fail "csr action"
openssl req -in "$T/req.pem" -verify -noout >/dev/null 2>&1 ||
    fail "the CSR does not verify"
openssl req -in "$T/req.pem" -noout -subject >"$T/out"
has 'CN *= *req'
ok "enroll rsa2048 --csr: a CSR signed by the card that verifies"

# Issue the CSR with the test CA and import the result into 9c.
openssl x509 -req -in "$T/req.pem" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
    -set_serial 4242 -days 10 -out "$T/issued.pem" 2>/dev/null || fail "issue"
expect 0 sclogin enroll import --slot 9c --cert "$T/issued.pem"
has 'Imported into slot 9c'
expect 0 sclogin status
has 'Certificate in slot 9c:'
has 'Issuer:     .*sclogin Test Root CA'
ok "enroll import writes the issued certificate to 9c"

expect 4 sclogin enroll import --slot 9c --cert "$PKI/alice.cert.pem"
has_err 'not the key in slot 9c'
expect 0 sclogin status
has 'Issuer:     .*sclogin Test Root CA'
lacks 'Subject:    CN=alice'
expect 0 sclogin enroll import --slot 9c --cert "$PKI/alice.cert.pem" --force
expect 0 sclogin enroll import --slot 9c --cert "$T/issued.pem"
ok "enroll import refuses a certificate for another key unless --force"

expect 0 sclogin enroll --slot 9e --alg eccp384 --subject /CN=p384 --self-signed \
    --out "$T/p384.pem" --pin-fd 3 3<"$T/pin"
openssl verify -CAfile "$T/p384.pem" "$T/p384.pem" >/dev/null 2>&1 ||
    fail "P-384 certificate does not verify"
ok "enroll eccp384 in 9e verifies"

expect 5 sclogin enroll --slot 9d --alg eccp256 --subject /CN=x --self-signed \
    --admin-key 0102030405060708010203040506070801020304050607ff --pin-fd 3 3<"$T/pin"
has_err 'admin key'
ok "a wrong admin key exits 5"
printf '000000\n' >"$T/badpin"
expect 5 sclogin enroll --slot 9d --alg eccp256 --subject /CN=x --self-signed \
    --pin-fd 3 3<"$T/badpin"
has_err 'wrong PIN'
expect 0 sclogin status
has 'Certificate 9D (Key Management) *absent'
ok "a wrong PIN exits 5 before any key is generated"

expect 2 sclogin enroll --slot 9a --alg rsa2048 --subject /CN=x
expect 2 sclogin enroll --slot 9a --subject /CN=x --self-signed --csr "$T/x"
expect 2 sclogin enroll --slot 9b --subject /CN=x --self-signed
expect 2 sclogin enroll --slot 9a --alg rsa512 --subject /CN=x --self-signed
expect 2 sclogin enroll --slot 9a --subject 'nonsense' --self-signed --pin-fd 3 3<"$T/pin"
expect 2 sclogin enroll import --slot 9a
expect 2 sclogin enroll --slot 9a --subject /CN=x --csr "$T/x" --out "$T/y"
expect 2 sclogin enroll --slot 9a --subject /CN=x --self-signed --force
expect 2 sclogin enroll --slot 9a --subject /CN=x --self-signed --admin-key 0102
ok "enroll usage errors exit 2"
done_ok
