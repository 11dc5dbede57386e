#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Usage: tests/directory/ldap-fixture.sh PKI_DIR OUT_DIR
#
# Everything the directory tests need next to the test PKI (mkpki.sh), made
# in OUT_DIR in well under a second (P-256 keys, issued by the test CA):
#   server.pem server.key    slapd's TLS certificate (CN and SAN 127.0.0.1,
#                            localhost), issued by the test CA
#   host.pem host.key        a TLS client certificate (SASL EXTERNAL bind)
#   mallory.cert.pem/.key.pem/.cert.der   a sign-in certificate whose
#                            subject CN and UPN try a filter injection:
#                            CN '*)(uid=*', UPN 'x)(uid=bob)(cn=*@example.test'
#   twin.cert.pem/.key.pem/.cert.der      a certificate held by two entries
#   ad.schema                userPrincipalName and altSecurityIdentities as
#                            AD defines them (OIDs 1.2.840.113556.1.4.656
#                            and .867), with caseIgnoreMatch equality
#   data.ldif                dc=example,dc=test:
#     uid=alice  userCertificate;binary (alice's DER), userPrincipalName
#     uid=bob    altSecurityIdentities X509:<I>issuer<SR>serial (AD forms:
#                issuer RDNs most significant first, serial bytes reversed)
#     uid=carol  altSecurityIdentities X509:<SKI>hex
#     uid=dave   altSecurityIdentities X509:<SHA1-PUKEY>hex
#     uid=twin1, uid=twin2  both hold twin's certificate
#     cn=nobody   holds stranger's certificate but names no valid user
#                 (uid 'bad user')
#     cn=sclogin,ou=services  bind account, password in bind.secret
#   bind.secret              that password (0600)
#   slapd.conf.in            config template: @NAME@ is the instance dir
#   Instances: ldap-fixture.sh --instance OUT_DIR NAME makes OUT_DIR/NAME
#   with slapd.conf and a loaded mdb database (slapadd).
set -eu

if [ "${1:-}" = "--instance" ]; then
	out=$2 name=$3
	d="$out/$name"
	rm -rf "$d"
	mkdir -p "$d/db"
	sed "s|@NAME@|$d|g" "$out/slapd.conf.in" >"$d/slapd.conf"
	slapadd -q -f "$d/slapd.conf" -l "$out/data.ldif" >/dev/null 2>&1 ||
	    slapadd -q -f "$d/slapd.conf" -l "$out/data.ldif"
	exit 0
fi

if [ $# -ne 2 ]; then
	echo "usage: $0 PKI_DIR OUT_DIR | --instance OUT_DIR NAME" >&2
	exit 2
fi
pki=$(cd "$1" && pwd)
out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp="$out/.work"
rm -rf "$tmp"
mkdir -p "$tmp"

cat >"$tmp/ext.cnf" <<'CNF'
[ server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[ client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ user ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2, clientAuth
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:${ENV::SCL_UPN}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# issue NAME SUBJECT EXT SERIAL
issue() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -pkeyopt ec_param_enc:named_curve -out "$tmp/$1.key" 2>/dev/null
	openssl req -new -key "$tmp/$1.key" -subj "$2" -out "$tmp/$1.csr"
	openssl x509 -req -in "$tmp/$1.csr" -CA "$pki/ca.pem" \
	    -CAkey "$pki/ca.key" -set_serial "$4" -days 7300 \
	    -extfile "$tmp/ext.cnf" -extensions "$3" -out "$tmp/$1.pem" \
	    2>/dev/null
}
SCL_UPN=unused issue server "/O=sclogin Test/CN=127.0.0.1" server 0x7001
cp "$tmp/server.pem" "$out/server.pem"
cp "$tmp/server.key" "$out/server.key"
SCL_UPN=unused issue host "/O=sclogin Test/CN=sclogin-host" client 0x7004
cp "$tmp/host.pem" "$out/host.pem"
cp "$tmp/host.key" "$out/host.key"
SCL_UPN='x)(uid=bob)(cn=*@example.test' issue mallory \
    "/O=sclogin Test/CN=*)(uid=*" user 0x7002
SCL_UPN=twin@example.test issue twin "/O=sclogin Test/CN=twin" user 0x7003
export SCL_UPN
for n in mallory twin; do
	cp "$tmp/$n.pem" "$out/$n.cert.pem"
	cp "$tmp/$n.key" "$out/$n.key.pem"
	openssl x509 -in "$tmp/$n.pem" -outform DER -out "$out/$n.cert.der"
done
chmod 0600 "$out"/*.key "$out"/*.key.pem

b64() {
	openssl base64 -A -in "$1"
}
# The AD X509:<I>...<SR>... value of a certificate.
issuer_serial() {
	iss=$(openssl x509 -in "$1" -noout -issuer -nameopt \
	    esc_2253,esc_ctrl,esc_msb,utf8,sep_comma_plus,sname | sed 's/^issuer=//')
	ser=$(openssl x509 -in "$1" -noout -serial | sed 's/^serial=//')
	[ $((${#ser} % 2)) -eq 0 ] || ser="0$ser"
	rev=$(printf '%s' "$ser" | sed 's/../& /g' |
	    awk '{ for (i = NF; i > 0; i--) printf "%s", $i }')
	printf 'X509:<I>%s<SR>%s' "$iss" "$rev"
}
ski() {
	openssl x509 -in "$1" -noout -ext subjectKeyIdentifier |
	    sed -n '2p' | tr -d ' :\n'
}
pukey_sha1() {
	# SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280
	# 4.2.1.2 method 1, Windows' public key hash): the BIT STRING is the
	# last element of the SubjectPublicKeyInfo; skip its header and the
	# unused-bits byte.
	openssl x509 -in "$1" -noout -pubkey |
	    openssl pkey -pubin -outform DER -out "$tmp/spki.der"
	hdr=$(openssl asn1parse -inform DER -in "$tmp/spki.der" |
	    awk '/BIT STRING/ { sub(/:.*/, "", $1); o = $1;
	    sub(/.*hl=/, ""); sub(/ .*/, ""); print o + $0 + 1; exit }')
	tail -c +"$((hdr + 1))" "$tmp/spki.der" | openssl dgst -sha1 -r |
	    cut -d' ' -f1
}

cat >"$out/ad.schema" <<'SCH'
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
	EQUALITY caseIgnoreMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.867 NAME 'altSecurityIdentities'
	EQUALITY caseIgnoreMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
objectclass ( 1.3.6.1.4.1.99999.7.1 NAME 'sclAdUser' AUXILIARY
	MAY ( userPrincipalName $ altSecurityIdentities ) )
SCH

secret=bind-secret-for-tests
printf '%s\n' "$secret" >"$out/bind.secret"
chmod 0600 "$out/bind.secret"

person() {
	if [ "$1" = "$2" ]; then
		printf 'dn: uid=%s,ou=people,dc=example,dc=test\n' "$1"
	else
		printf 'dn: cn=%s,ou=people,dc=example,dc=test\n' "$1"
	fi
	printf 'objectClass: inetOrgPerson\nobjectClass: sclAdUser\n'
	printf 'uid: %s\ncn: %s\nsn: %s\n' "$2" "$1" "$1"
}
{
	cat <<'LDIF'
dn: dc=example,dc=test
objectClass: dcObject
objectClass: organization
dc: example
o: sclogin Test

dn: ou=people,dc=example,dc=test
objectClass: organizationalUnit
ou: people

dn: ou=services,dc=example,dc=test
objectClass: organizationalUnit
ou: services

dn: cn=sclogin,ou=services,dc=example,dc=test
objectClass: person
cn: sclogin
sn: sclogin
LDIF
	printf 'userPassword: %s\n\n' "$secret"
	person alice alice
	printf 'userCertificate;binary:: %s\n' "$(b64 "$pki/alice.cert.der")"
	printf 'userPrincipalName: alice@example.test\n\n'
	person bob bob
	printf 'altSecurityIdentities: %s\n\n' "$(issuer_serial "$pki/bob.cert.pem")"
	person carol carol
	printf 'altSecurityIdentities: X509:<SKI>%s\n\n' "$(ski "$pki/carol.cert.pem")"
	person dave dave
	printf 'altSecurityIdentities: X509:<SHA1-PUKEY>%s\n\n' \
	    "$(pukey_sha1 "$pki/dave.cert.pem")"
	for t in twin1 twin2; do
		person "$t" "$t"
		printf 'userCertificate;binary:: %s\n\n' \
		    "$(b64 "$out/twin.cert.der")"
	done
	person nobody 'bad user'
	printf 'userCertificate;binary:: %s\n\n' "$(b64 "$pki/stranger.cert.der")"
} >"$out/data.ldif"

cat >"$out/slapd.conf.in" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $out/ad.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile @NAME@/slapd.pid
argsfile @NAME@/slapd.args
TLSCACertificateFile $pki/ca.pem
TLSCertificateFile $out/server.pem
TLSCertificateKeyFile $out/server.key
TLSVerifyClient try
sizelimit 50
database mdb
suffix "dc=example,dc=test"
rootdn "cn=admin,dc=example,dc=test"
rootpw admin-secret-for-tests
directory @NAME@/db
maxsize 16777216
access to attrs=userPassword by anonymous auth by * none
access to * by * read
CONF
rm -rf "$tmp"
