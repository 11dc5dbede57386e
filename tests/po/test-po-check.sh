#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# test-po-check.sh PODIR: every catalogue in PODIR/LINGUAS passes
# `msgfmt -c --check-format` (a translated format has the same conversions),
# and translates every msgid of PODIR/sclogin.pot: none missing, none
# fuzzy, none empty, none obsolete-only.
set -u
po=$1
[ -z "${SCL_TEST_WRAPPER:-}" ] || { echo "SKIP: msgfmt only, nothing of ours to check under valgrind"; exit 77; }
command -v msgfmt >/dev/null || { echo "SKIP: msgfmt missing (apt-get install gettext)" >&2; exit 77; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
bad=0
for l in $(grep -v '^#' "$po/LINGUAS"); do
	msgfmt -c --check-format -o /dev/null "$po/$l.po" || { echo "FAIL: $l.po: msgfmt -c" >&2; bad=1; }
	# the catalogue merged with the current template: what a build would ship
	msgmerge -q --no-fuzzy-matching -o "$T/$l.po" "$po/$l.po" "$po/sclogin.pot" || { bad=1; continue; }
	stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$T/$l.po" 2>&1)
	echo "$l: $stats"
	case $stats in
	*untranslated*|*fuzzy*) echo "FAIL: $l.po is not complete: $stats" >&2; bad=1 ;;
	esac
	n_pot=$(msgattrib --no-obsolete "$po/sclogin.pot" | grep -c '^msgid ')
	n_po=$(msgattrib --translated --no-fuzzy --no-obsolete "$T/$l.po" | grep -c '^msgid ')
	[ "$n_pot" -eq "$n_po" ] || { echo "FAIL: $l.po: $n_po of $n_pot msgids translated" >&2; bad=1; }
done
exit $bad
