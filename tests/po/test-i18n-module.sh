#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# test-i18n-module.sh LOOKUP BUILD_PO LOCALEDIR: the module's sentences in
# German and French from the built catalogues.  Locales are generated here
# (localedef into a temporary LOCPATH; the system's are untouched); the
# built BUILD_PO/LANG/LC_MESSAGES/sclogin.mo are bound onto LOCALEDIR (the
# path compiled in, never taken from the environment) in a private mount
# namespace (root).  C locale: English.
set -u
lookup=$1 built=$2 localedir=$3
W=${SCL_TEST_WRAPPER:-}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (mount namespace)" >&2; exit 77; }
if [ -z "${SCL_I18N_INNER:-}" ]; then
	SCL_I18N_INNER=1 exec unshare --mount -- sh "$0" "$@"
fi
mount --make-rprivate / || exit 1
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
for l in de_DE fr_FR; do
	localedef -i $l -f UTF-8 "$T/$l.UTF-8" 2>/dev/null || [ -d "$T/$l.UTF-8" ] ||
	    { echo "SKIP: localedef $l failed (apt-get install locales)" >&2; exit 77; }
done
# LOCALEDIR may not exist (prefix /usr/local): a tmpfs on its nearest
# existing parent, inside this namespace only.
if [ ! -d "$localedir" ]; then
	top=$localedir
	while [ ! -d "$top" ]; do top=$(dirname "$top"); done
	mount -t tmpfs tmpfs "$top" || exit 1
	mkdir -p "$localedir" || exit 1
fi
mount --bind "$built" "$localedir" || exit 1
export LOCPATH=$T
unset LANGUAGE LC_ALL LC_MESSAGES
LANG=de_DE.UTF-8 $W "$lookup" 'PIN für Smartcard "' 'Falsche PIN. Noch 3 Versuche.' || exit 1
LANG=fr_FR.UTF-8 $W "$lookup" 'Code PIN pour la carte à puce "' 'Code PIN erroné. Il reste 3 essais.' || exit 1
LANG=C $W "$lookup" 'PIN for smart card "' 'Wrong PIN. 3 tries left.' || exit 1
echo ok
