#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# On the rig (rig-run): alice's virtual card, the built pam_sclogin.so in a
# real Linux-PAM stack (pam-client --confdir), LANG=de_DE.UTF-8 (localedef
# into a LOCPATH here): the PIN prompt and the wrong-PIN sentence are German;
# the reason= line stays English.  The built catalogues are bound onto
# LOCALEDIR in this private mount namespace.
set -u
S=${SCL_SOURCE_ROOT:?} B=${SCL_BUILD_ROOT:?} localedir=${SCL_LOCALEDIR:?}
if [ -z "${SCL_RIG_DIR:-}" ]; then
	exec sh "$S/tests/rig/rig-run" -- sh "$0" "$@"
fi
W=${SCL_TEST_WRAPPER:-}
D=$SCL_RIG_DIR/i18n
PKI=$SCL_TEST_PKI
mkdir -p "$D/loc" "$D/pam.d" "$D/state"
localedef -i de_DE -f UTF-8 "$D/loc/de_DE.UTF-8" 2>/dev/null || [ -d "$D/loc/de_DE.UTF-8" ] ||
    { echo "SKIP: localedef de_DE failed" >&2; exit 77; }
if [ ! -d "$localedir" ]; then
	top=$localedir
	while [ ! -d "$top" ]; do top=$(dirname "$top"); done
	mount -t tmpfs tmpfs "$top" && mkdir -p "$localedir" || exit 1
fi
mount --bind "$B/po" "$localedir" || exit 1
cat >"$D/sclogin.conf" <<CONF
[global]
ca_file = $PKI/ca.pem
mapping = mapfile
mapfile = $D/mapfile
crl = off
ocsp = off
state_dir = $D/state
cert_cache = $D/certs
CONF
printf 'alice: sha256:%s\n' "$(openssl x509 -in "$PKI/alice.cert.pem" -noout \
    -fingerprint -sha256 | sed 's/.*=//')" >"$D/mapfile"
echo "auth required $B/pam/pam_sclogin.so config=$D/sclogin.conf" >"$D/pam.d/sc-de"
printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1001:1001:Alice:/nonexistent:/bin/sh\n' >"$D/passwd"
printf 'root:x:0:\nalice:x:1001:\n' >"$D/group"
"$SCL_VCARD" init --state "$D/alice.card" --name "Alice card" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null &&
"$SCL_VCARD" import --state "$D/alice.card" --slot 9a \
    --key "$PKI/alice.key.pem" --cert "$PKI/alice.cert.pem" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null || { echo "cannot make the card"; exit 1; }
"$SCL_RIG_CARD" insert 0 "$D/alice.card" || exit 1
LOCPATH=$D/loc LANG=de_DE.UTF-8 LC_ALL= LANGUAGE= \
    LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=$D/passwd NSS_WRAPPER_GROUP=$D/group \
    $W "$B/tests/pam/pam-client" --confdir "$D/pam.d" --service sc-de \
    --user alice --pin 654321 >"$D/out" 2>&1
cat "$D/out"
grep -q 'PIN für Smartcard "Alice card"' "$D/out" || { echo "FAIL: no German PIN prompt"; exit 1; }
grep -q 'Falsche PIN' "$D/out" || { echo "FAIL: no German wrong-PIN sentence"; exit 1; }
echo ok
