#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Usage: tests/pki/mkpki.sh OUTDIR   (creates the sclogin test PKI in OUTDIR)
#
# Output (fixed names, fixed dates, fixed serials; only keys differ per run):
#   ca.pem ca.key            "sclogin Test Root CA" (RSA 2048)
#   other-ca.pem other-ca.key "sclogin Other CA" (untrusted by the tests)
#   NAME.cert.pem NAME.key.pem for NAME in
#     alice bob (RSA 2048)  carol (P-256)  dave (P-384)
#     alice-expired alice-notyet alice-noeku alice-nodigsig alice-untrusted
#     alice-revoked shared (CN shared, no SAN) stranger (maps to nobody)
#   NAME.cert.der            DER copy of every leaf (what a card holds)
#   Issue 12 shapes (each an attack the checks must refuse):
#     alice-weak (RSA 1024)  alice-p224 (EC secp224r1)
#     alice-ca (CA:TRUE, keyCertSign)  alice-kcs (CA:FALSE, keyCertSign)
#     alice-nsserver (nsCertType server only)
#     alice-sub (P-256) under sub-ca.pem; alice-subrev (P-256) under
#     subrev-ca.pem, an intermediate the root revoked
#   Issue 12 mapping shapes: daemon (CN daemon, no SAN: a system account's
#     name), svc (UPN svc@example.test: uid 999), evil-upn (CN evil, UPN
#     alice@evil.example), bob-cn-alice (CN alice, UPN bob@example.test)
#   chain.pem                ca.pem + sub-ca.pem + subrev-ca.pem (ca_file)
#   crl-chain/               root CRL (alice-revoked, subrev-ca revoked)
#                            and the CRLs of sub-ca and subrev-ca
#   crl-sub-only/            the sub CAs' CRLs without the root's
#   crl-delta/ crl-reasons/ crl-onlyca/ crl-idp-other/ crl-indirect/
#                            one CRL of ca each, listing nothing (made
#                            before alice-revoked was revoked): a delta
#                            CRL, onlySomeReasons, onlyContainsCACerts, an
#                            IDP that is not the leaves' CDP, indirectCRL
#   crl-idp-match/ crl-onlyuser/  the full CRL of ca with an IDP naming
#                            the leaves' CDP (and onlyContainsUserCerts)
#   crl-stale/               the full CRL of ca, nextUpdate CRL_STALE_NEXT
#   ocsp.pem ocsp.key        OCSP signer (EKU OCSPSigning, issued by ca)
#   index.txt                for: openssl ocsp -index index.txt -CA ca.pem
#                                 -rsigner ocsp.pem -rkey ocsp.key -port N
#   crl.pem crl.der crl/crl.pem   CRL of ca (alice-revoked revoked)
#   ca-dir/                  c_rehash'd copy of ca.pem (for ca_dir)
#   mapfile                  sample mapfile (shared -> alice by sha256,
#                            shared -> bob by subject, dave by email)
#   dates.env                the dates below, as shell variables
#
# Leaves carry AIA OCSP http://127.0.0.1:18888 and CDP
# http://127.0.0.1:18889/crl.der.  Leaf/CA/CRL validity: see the dates
# below; tests inject a clock inside VALID_FROM..VALID_TO.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)

CA_FROM=20200101000000Z
CA_TO=20491231235959Z
VALID_FROM=20240101000000Z
VALID_TO=20451231235959Z
EXPIRED_FROM=20200601000000Z
EXPIRED_TO=20210601000000Z
NOTYET_FROM=20460101000000Z
NOTYET_TO=20480101000000Z
CRL_LAST=20240101000000Z
CRL_NEXT=20451231235959Z
REVOKED_AT=20240601000000Z
CRL_STALE_NEXT=20250101000000Z

OCSP_URL=http://127.0.0.1:18888
CDP_URL=http://127.0.0.1:18889/crl.der

tmp="$out/.work"
rm -rf "$tmp"
mkdir -p "$tmp/ca" "$tmp/other" "$tmp/self" "$tmp/sub" "$tmp/subrev"
rm -f "$out/index.txt" "$out/index.txt.attr" "$out"/*.pem "$out"/*.key \
    "$out"/*.der "$out/mapfile"

# One config; $ENV::SCL_DB selects the database, $ENV::SCL_* the SAN.
cat >"$tmp/openssl.cnf" <<EOF
[ ca ]
default_ca = scl_ca

[ scl_ca ]
dir = \$ENV::SCL_DB
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
policy = scl_policy
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes

[ scl_policy ]
organizationName = optional
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused

[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ user ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2, clientAuth
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:\$ENV::SCL_UPN, email:\$ENV::SCL_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$OCSP_URL
crlDistributionPoints = URI:$CDP_URL

[ user_nosan ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$OCSP_URL
crlDistributionPoints = URI:$CDP_URL

[ user_noeku ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:\$ENV::SCL_UPN, email:\$ENV::SCL_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$OCSP_URL
crlDistributionPoints = URI:$CDP_URL

[ user_nodigsig ]
basicConstraints = critical, CA:false
keyUsage = critical, keyEncipherment
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2, clientAuth
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:\$ENV::SCL_UPN, email:\$ENV::SCL_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$OCSP_URL
crlDistributionPoints = URI:$CDP_URL

[ v3_subca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:$CDP_URL

[ user_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, digitalSignature, keyCertSign
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2, clientAuth
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:\$ENV::SCL_UPN, email:\$ENV::SCL_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:$CDP_URL

[ user_kcs ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyCertSign
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2, clientAuth
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:\$ENV::SCL_UPN, email:\$ENV::SCL_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:$CDP_URL

[ user_nsserver ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2, clientAuth
nsCertType = server
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:\$ENV::SCL_UPN, email:\$ENV::SCL_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:$CDP_URL

# CRL extensions (openssl ca -gencrl -crlexts NAME)
[ crl_delta ]
2.5.29.27 = critical, DER:02:02:03:E8
[ crl_reasons ]
issuingDistributionPoint = critical, @idp_reasons
[ idp_reasons ]
onlysomereasons = keyCompromise
[ crl_onlyca ]
issuingDistributionPoint = critical, @idp_onlyca
[ idp_onlyca ]
onlyCA = TRUE
[ crl_idp_other ]
issuingDistributionPoint = critical, @idp_other
[ idp_other ]
fullname = URI:http://127.0.0.1:18889/other.crl
[ crl_indirect ]
issuingDistributionPoint = critical, @idp_indirect
[ idp_indirect ]
indirectCRL = TRUE
[ crl_idp_match ]
issuingDistributionPoint = critical, @idp_match
[ idp_match ]
fullname = URI:$CDP_URL
[ crl_onlyuser ]
issuingDistributionPoint = critical, @idp_onlyuser
[ idp_onlyuser ]
fullname = URI:$CDP_URL
onlyuser = TRUE

[ ocsp ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
export OPENSSL_CONF="$tmp/openssl.cnf"
SCL_UPN=unused
SCL_EMAIL=unused
SCL_DB="$tmp/ca"
export SCL_UPN SCL_EMAIL SCL_DB

initdb() {
	mkdir -p "$1/new"
	: >"$1/index.txt"
	echo "unique_subject = no" >"$1/index.txt.attr"
	echo "$2" >"$1/serial"
	echo 1000 >"$1/crlnumber"
}
initdb "$tmp/self" 01
initdb "$tmp/ca" 1001
initdb "$tmp/other" 5001
initdb "$tmp/sub" 7001
initdb "$tmp/subrev" 7501

rsakey() {
	openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2:-2048}" \
	    -out "$1" 2>/dev/null
}
eckey() {
	openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$2" \
	    -pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null
}

# All keys first, in parallel (key generation is most of the run time).
genkeys() {
	pids=
	for n in ca other-ca ocsp sub-ca subrev-ca; do
		rsakey "$out/$n.key" & pids="$pids $!"
	done
	for n in alice bob alice-expired alice-notyet alice-noeku \
	    alice-nodigsig alice-untrusted alice-revoked shared alice-ca \
	    alice-kcs alice-nsserver daemon svc evil-upn bob-cn-alice; do
		rsakey "$out/$n.key.pem" & pids="$pids $!"
	done
	rsakey "$out/alice-weak.key.pem" 1024 & pids="$pids $!"
	eckey "$out/alice-p224.key.pem" secp224r1 & pids="$pids $!"
	eckey "$out/alice-sub.key.pem" P-256 & pids="$pids $!"
	eckey "$out/alice-subrev.key.pem" P-256 & pids="$pids $!"
	eckey "$out/carol.key.pem" P-256 & pids="$pids $!"
	eckey "$out/dave.key.pem" P-384 & pids="$pids $!"
	eckey "$out/stranger.key.pem" P-256 & pids="$pids $!"
	for p in $pids; do
		wait "$p"
	done
}
genkeys

# mkca NAME SUBJECT
mkca() {
	openssl req -new -key "$out/$1.key" -subj "$2" -out "$tmp/$1.csr"
	SCL_DB="$tmp/self" openssl ca -batch -notext -selfsign \
	    -keyfile "$out/$1.key" -in "$tmp/$1.csr" -out "$out/$1.pem" \
	    -startdate "$CA_FROM" -enddate "$CA_TO" -extensions v3_ca \
	    2>/dev/null
}

# leaf NAME KEYTYPE CN DB CA EXT FROM TO [UPN EMAIL]
leaf() {
	name=$1 ktype=$2 cn=$3 db=$4 ca=$5 ext=$6 from=$7 to=$8
	: "$ktype"	# the key was made by genkeys
	openssl req -new -key "$out/$name.key.pem" \
	    -subj "/O=sclogin Test/CN=$cn" -out "$tmp/$name.csr"
	SCL_UPN=${9:-unused} SCL_EMAIL=${10:-unused} SCL_DB="$tmp/$db" \
	    openssl ca -batch -notext -cert "$out/$ca.pem" \
	    -keyfile "$out/$ca.key" -in "$tmp/$name.csr" \
	    -out "$out/$name.cert.pem" -startdate "$from" -enddate "$to" \
	    -extensions "$ext" 2>/dev/null
	openssl x509 -in "$out/$name.cert.pem" -outform DER \
	    -out "$out/$name.cert.der"
}

mkca ca "/O=sclogin Test/CN=sclogin Test Root CA"
mkca other-ca "/O=sclogin Test/CN=sclogin Other CA"

# mksubca NAME SUBJECT: an intermediate CA issued by ca
mksubca() {
	openssl req -new -key "$out/$1.key" -subj "$2" -out "$tmp/$1.csr"
	SCL_DB="$tmp/ca" openssl ca -batch -notext -cert "$out/ca.pem" \
	    -keyfile "$out/ca.key" -in "$tmp/$1.csr" -out "$out/$1.pem" \
	    -startdate "$CA_FROM" -enddate "$CA_TO" -extensions v3_subca \
	    2>/dev/null
}
mksubca sub-ca "/O=sclogin Test/CN=sclogin Test Issuing CA"
mksubca subrev-ca "/O=sclogin Test/CN=sclogin Test Revoked Issuing CA"

V="$VALID_FROM $VALID_TO"
# shellcheck disable=SC2086
{
leaf alice rsa alice ca ca user $V alice@example.test alice@example.test
leaf bob rsa bob ca ca user $V bob@example.test bob@example.test
leaf carol p256 carol ca ca user $V carol@example.test carol@example.test
leaf dave p384 dave ca ca user $V dave@example.test dave@example.test
leaf alice-expired rsa alice ca ca user "$EXPIRED_FROM" "$EXPIRED_TO" \
    alice@example.test alice@example.test
leaf alice-notyet rsa alice ca ca user "$NOTYET_FROM" "$NOTYET_TO" \
    alice@example.test alice@example.test
leaf alice-noeku rsa alice ca ca user_noeku $V \
    alice@example.test alice@example.test
leaf alice-nodigsig rsa alice ca ca user_nodigsig $V \
    alice@example.test alice@example.test
leaf alice-untrusted rsa alice other other-ca user $V \
    alice@example.test alice@example.test
leaf alice-revoked rsa alice ca ca user $V alice@example.test alice@example.test
leaf shared rsa shared ca ca user_nosan $V
leaf stranger p256 stranger ca ca user $V \
    stranger@example.test stranger@example.test
A="alice@example.test alice@example.test"
leaf daemon rsa daemon ca ca user_nosan $V
leaf svc rsa svc ca ca user $V svc@example.test svc@example.test
leaf evil-upn rsa evil ca ca user $V alice@evil.example evil@evil.example
leaf bob-cn-alice rsa alice ca ca user $V bob@example.test bob@example.test
leaf alice-weak rsa1024 alice ca ca user $V $A
leaf alice-p224 p224 alice ca ca user $V $A
leaf alice-ca rsa alice ca ca user_ca $V $A
leaf alice-kcs rsa alice ca ca user_kcs $V $A
leaf alice-nsserver rsa alice ca ca user_nsserver $V $A
leaf alice-sub p256 alice sub sub-ca user $V $A
leaf alice-subrev p256 alice subrev subrev-ca user $V $A
}

# OCSP signer (key named ocsp.key, cert ocsp.pem)
openssl req -new -key "$out/ocsp.key" \
    -subj "/O=sclogin Test/CN=sclogin Test OCSP" -out "$tmp/ocsp.csr"
SCL_DB="$tmp/ca" openssl ca -batch -notext -cert "$out/ca.pem" \
    -keyfile "$out/ca.key" -in "$tmp/ocsp.csr" -out "$out/ocsp.pem" \
    -startdate "$VALID_FROM" -enddate "$VALID_TO" -extensions ocsp 2>/dev/null

# gencrl DB CA OUT [NEXT [EXTS]]: a CRL of CA from database DB
gencrl() {
	SCL_DB="$tmp/$1" openssl ca -batch -gencrl -cert "$out/$2.pem" \
	    -keyfile "$out/$2.key" -crl_lastupdate "$CRL_LAST" \
	    -crl_nextupdate "${4:-$CRL_NEXT}" ${5:+-crlexts "$5"} \
	    -out "$3" 2>/dev/null
}
# Partial CRLs listing nothing: made before any revocation.
for k in delta reasons onlyca idp-other indirect; do
	mkdir -p "$out/crl-$k"
	gencrl ca ca "$out/crl-$k/crl.pem" "" "crl_$(echo $k | tr - _)"
done

SCL_DB="$tmp/ca" openssl ca -batch -cert "$out/ca.pem" -keyfile "$out/ca.key" \
    -revoke "$out/alice-revoked.cert.pem" -crl_reason keyCompromise \
    2>/dev/null
SCL_DB="$tmp/ca" openssl ca -batch -cert "$out/ca.pem" -keyfile "$out/ca.key" \
    -revoke "$out/subrev-ca.pem" -crl_reason cACompromise 2>/dev/null
# -revoke stamps the current time; make the revocation date fixed.
sed "s/^R\t\([0-9Z]*\)\t[0-9]*Z,/R\t\1\t${REVOKED_AT#20},/" \
    "$tmp/ca/index.txt" >"$tmp/ca/index.new"
mv "$tmp/ca/index.new" "$tmp/ca/index.txt"
SCL_DB="$tmp/ca" openssl ca -batch -gencrl -cert "$out/ca.pem" \
    -keyfile "$out/ca.key" -crl_lastupdate "$CRL_LAST" \
    -crl_nextupdate "$CRL_NEXT" -out "$out/crl.pem" 2>/dev/null
openssl crl -in "$out/crl.pem" -outform DER -out "$out/crl.der"
mkdir -p "$out/crl"
cp "$out/crl.pem" "$out/crl/crl.pem"

mkdir -p "$out/crl-chain" "$out/crl-sub-only" "$out/crl-stale" \
    "$out/crl-idp-match" "$out/crl-onlyuser"
cp "$out/crl.pem" "$out/crl-chain/root.pem"
gencrl sub sub-ca "$out/crl-chain/sub.pem"
gencrl subrev subrev-ca "$out/crl-chain/subrev.pem"
cp "$out/crl-chain/sub.pem" "$out/crl-chain/subrev.pem" "$out/crl-sub-only/"
gencrl ca ca "$out/crl-stale/crl.pem" "$CRL_STALE_NEXT"
gencrl ca ca "$out/crl-idp-match/crl.pem" "" crl_idp_match
gencrl ca ca "$out/crl-onlyuser/crl.pem" "" crl_onlyuser
cat "$out/ca.pem" "$out/sub-ca.pem" "$out/subrev-ca.pem" >"$out/chain.pem"

cp "$tmp/ca/index.txt" "$out/index.txt"
cp "$tmp/ca/index.txt.attr" "$out/index.txt.attr"

rm -rf "$out/ca-dir"
mkdir -p "$out/ca-dir"
h=$(openssl x509 -in "$out/ca.pem" -noout -hash)
cp "$out/ca.pem" "$out/ca-dir/$h.0"

fp=$(openssl x509 -in "$out/shared.cert.pem" -noout -fingerprint -sha256 |
    sed 's/.*=//')
cat >"$out/mapfile" <<EOF
# sclogin mapfile sample (generated by mkpki.sh)
# <user>: sha256:<hex> | subject:<RFC 2253> | upn:<upn> | email:<address>
alice: sha256:$fp
bob: subject:CN=shared,O=sclogin Test
dave: email:dave@example.test
EOF

cat >"$out/dates.env" <<EOF
CA_FROM=$CA_FROM
CA_TO=$CA_TO
VALID_FROM=$VALID_FROM
VALID_TO=$VALID_TO
EXPIRED_FROM=$EXPIRED_FROM
EXPIRED_TO=$EXPIRED_TO
NOTYET_FROM=$NOTYET_FROM
NOTYET_TO=$NOTYET_TO
CRL_LAST=$CRL_LAST
CRL_NEXT=$CRL_NEXT
CRL_STALE_NEXT=$CRL_STALE_NEXT
OCSP_URL=$OCSP_URL
CDP_URL=$CDP_URL
EOF

chmod 0600 "$out"/*.key "$out"/*.key.pem
rm -rf "$tmp"
touch "$out/stamp"
