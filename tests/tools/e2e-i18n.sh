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
