#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Issue 16: sclogin's human output in German (LANG=de_DE.UTF-8, locale made
# by localedef into a LOCPATH here, the built catalogues bound onto
# LOCALEDIR in the rig's private mount namespace, as e2e-i18n-pam does);
# --json of the same commands is byte for byte the C locale's.
. "$(dirname "$0")/lib.sh"
in_rig "$@"
localedir=${SCL_LOCALEDIR:?}
mkdir -p "$T/loc"
localedef -i de_DE -f UTF-8 "$T/loc/de_DE.UTF-8" 2>/dev/null ||
    [ -d "$T/loc/de_DE.UTF-8" ] || { echo "SKIP: localedef de_DE failed" >&2; exit 77; }
if [ ! -d "$localedir" ]; then
	top=$localedir
	while [ ! -d "$top" ]; do top=$(dirname "$top"); done
	mount -t tmpfs tmpfs "$top" && mkdir -p "$localedir" || exit 1
fi
mount --bind "$SCL_BUILD_ROOT/po" "$localedir" || exit 1
de() { LOCPATH=$T/loc LANG=de_DE.UTF-8 LC_ALL= LC_MESSAGES= LANGUAGE= sclogin "$@"; }
c() { LANG=C LC_ALL= LC_MESSAGES= LANGUAGE= sclogin "$@"; }

mkcard alice alice
insert 0 "$T/alice.state"

expect 0 de readers
has 'Virtual PCD 00 00 *Karte vorhanden *ATR 3b'
has 'Virtual PCD 00 01 *keine Karte'
lacks 'no card'
ok "readers speaks German"

expect 0 de status --reader 'Virtual PCD 00 00'
has '^Lesegerät: Virtual PCD 00 00'
has '^PIN-Versuche übrig: 3'
has '^Objekte:'
has '^Zertifikat in Slot 9a:'
lacks 'tries left'
ok "status speaks German"

for cmd in readers status; do
	expect 0 c --json $cmd
	cp "$T/out" "$T/json-c"
	expect 0 de --json $cmd
	cmp -s "$T/out" "$T/json-c" || { diff "$T/json-c" "$T/out" >&2; fail "--json $cmd differs in German"; }
	json_ok
done
ok "--json stays English, identical to the C locale"

# The other verbs (issue 16): doctor, config check, pin, vcard, help and
# usage errors in German; their --json (errors included) is the C locale's.
# json_same CODE ARGS...: `sclogin --json ARGS` (users by nss_wrapper)
# exits CODE and prints the same bytes in German as in the C locale.
json_same() {
	code=$1
	shift
	expect "$code" nss c --json "$@"
	cp "$T/out" "$T/json-c"
	expect "$code" nss de --json "$@"
	cmp -s "$T/out" "$T/json-c" || { diff "$T/json-c" "$T/out" >&2; fail "--json $* differs in German"; }
	json_ok
}
cat >"$T/passwd" <<P
root:x:0:0:root:/root:/bin/sh
alice:x:1001:1001:Alice:/home/alice:/bin/sh
bob:x:1002:1002:Bob:/home/bob:/bin/sh
P
printf 'root:x:0:\nalice:x:1001:\nbob:x:1002:\n' >"$T/group"
cat >"$T/sclogin.conf" <<C
[global]
ca_file = $PKI/ca.pem
mapfile = $PKI/mapfile
mapping = upn, mapfile, cn
upn_domain = example.test
crl = off
ocsp = off
card_timeout_ms = 5000
state_dir = $T/state
C
mkdir -m 0755 -p "$T/state"
nss() {
	LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD="$T/passwd" \
	NSS_WRAPPER_GROUP="$T/group" \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" "$@"
}

expect 0 nss de doctor --config "$T/sclogin.conf" --user alice
has "^Prüfe die Anmeldung für Dienst 'login', Benutzer 'alice', Konfiguration "
has '^\[ ok \] CERT_VALID'
has '^\[ -- \] CARD *Virtual PCD 00 01: keine Karte'
has "^Ergebnis: OK: 'Virtual PCD 00 00' Slot 9a (CN=alice.*) meldet an als alice; PIN-Versuche übrig: 3"
lacks 'Result'
lacks 'Checking'
ok "doctor speaks German"

expect 4 nss de doctor --config "$T/sclogin.conf" --user bob
has '^\[FAIL\] MAPPING'
has '^ *Abhilfe: '
has '^Ergebnis: Anmeldung würde SCHEITERN bei MAPPING ('
lacks 'fix:'
ok "a failing doctor speaks German, step and reason names stay"

for u in alice bob; do
	ex=0
	[ $u = bob ] && ex=4
	json_same $ex doctor --config "$T/sclogin.conf" --user $u
done
ok "doctor --json stays English, identical to the C locale"

mkdir -p "$T/pam.d"
printf 'auth required pam_unix.so\n' >"$T/pam.d/login"
expect 0 de config check --config "$T/sclogin.conf" --pam-dir "$T/pam.d"
has "^Prüfe $T/sclogin.conf und die PAM-Dienste in $T/pam.d"
has '^  ok  '
has '^  Warnung  *'"$T/pam.d"': no PAM service loads pam_sclogin.so'
has '^ *Abhilfe: add pam_sclogin.so'
has '^0 Fehler, 1 Warnung$'
ok "config check speaks German (findings stay admin English)"
json_same 0 config check --config "$T/sclogin.conf" --pam-dir "$T/pam.d"
sed "s|^mapfile = .*|mapfile = $T/no-mapfile|" "$T/sclogin.conf" >"$T/nomap.conf"
json_same 0 config check --config "$T/nomap.conf" --pam-dir "$T/pam.d"
has 'No such file or directory'
ok "config check --json identical to the C locale (system error texts too)"

printf '123456\n12\n' >"$T/secrets"
expect 4 de pin change --pin-fd 3 --pin-policy min=6 3<"$T/secrets"
grep -q "^sclogin: pin change: die neue PIN wird von der PIN-Richtlinie abgelehnt: Die PIN muss mindestens 6 Zeichen haben\.$" "$T/err" ||
    { cat "$T/err" >&2; fail "pin change error not German"; }
expect 4 c --json pin change --pin-fd 3 --pin-policy min=6 3<"$T/secrets"
cp "$T/out" "$T/json-c"
expect 4 de --json pin change --pin-fd 3 --pin-policy min=6 3<"$T/secrets"
cmp -s "$T/out" "$T/json-c" || { diff "$T/json-c" "$T/out" >&2; fail "--json pin change error differs in German"; }
has '"message":"the new PIN is refused by the PIN policy: The PIN must have at least 6 characters."'
printf '123456\n24680135\n' >"$T/secrets"
expect 0 de pin change --pin-fd 3 3<"$T/secrets"
has '^PIN geändert\.$'
printf '24680135\n123456\n' >"$T/secrets"
expect 0 de pin change --pin-fd 3 3<"$T/secrets"
ok "pin change speaks German; its --json error is English, identical to the C locale"

mkdir -p "$T/vc"
expect 0 de vcard list --state-dir "$T/vc"
has "^Keine virtuellen Karten in $T/vc\.$"
json_same 0 vcard list --state-dir "$T/vc"
ok "vcard list speaks German, --json identical"

expect 0 de --help
has '^Aufruf: sclogin \[OPTIONS\] VERB'
has '^Befehle:'
lacks 'Usage'
expect 0 de pin --help
has '^Aufruf: sclogin pin change'
has '^Gemeinsame Optionen: --json'
expect 2 de readers --bogus
grep -q "^sclogin: readers: unbekannte Option '--bogus'$" "$T/err" &&
    grep -q "^Siehe 'sclogin readers --help'\.$" "$T/err" ||
    { cat "$T/err" >&2; fail "usage error not German"; }
expect 2 c readers --bogus
grep -q "^sclogin: readers: unknown option '--bogus'$" "$T/err" &&
    grep -q "^Try 'sclogin readers --help'\.$" "$T/err" ||
    { cat "$T/err" >&2; fail "usage error in C changed"; }
ok "--help and usage errors speak German (English in the C locale)"
