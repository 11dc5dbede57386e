#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Every view of the widget under a private Xvfb (started and stopped by
# PID), saved to $SCL_BUILD_ROOT/tests/greeter/screenshots/views/.
# usage: test-greeter-views.sh GREETER_VIEWS_BINARY
# SCL_TEST_WRAPPER (e.g. valgrind) goes in front of the binary.
set -u
W=${SCL_TEST_WRAPPER:-}
GSLICE=
[ -n "$W" ] && GSLICE=always-malloc
command -v Xvfb >/dev/null || { echo "SKIP: Xvfb missing" >&2; exit 77; }
out=$SCL_BUILD_ROOT/tests/greeter/screenshots/views
mkdir -p "$out" && rm -f "$out"/*.png
log=$(mktemp /tmp/scl-xvfb.XXXXXX)
d=150
while [ $d -lt 250 ] && { [ -e /tmp/.X$d-lock ] || [ -e /tmp/.X11-unix/X$d ]; }; do
	d=$((d + 1))
done
Xvfb :$d -screen 0 800x600x24 -nolisten tcp >"$log" 2>&1 &
xpid=$!
trap 'kill $xpid 2>/dev/null; wait $xpid 2>/dev/null; rm -f "$log"' EXIT
i=0
until [ -e /tmp/.X11-unix/X$d ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "FAIL: Xvfb: $(cat "$log")" >&2; exit 1; }
	sleep 0.1
done
# shellcheck disable=SC2086 # the wrapper's words, by contract
env DISPLAY=:$d G_DEBUG=fatal-criticals GTK_THEME=Adwaita NO_AT_BRIDGE=1 \
    GDK_BACKEND=x11 ${GSLICE:+G_SLICE=$GSLICE} $W "$1" "$out" >"$out/texts" ||
    exit 1
n=$(ls "$out"/*.png | wc -l)
[ "$n" -eq 12 ] || { echo "FAIL: $n views saved, expected 12" >&2; exit 1; }
# 12: a card's name only quoted, cleaned and bounded (probe, PAM prompt)
grep -qxF 'text: view-pin-hostile.png: Smart card "Password for alice (your logi..."' \
    "$out/texts" || { echo "FAIL: hostile name not quoted:" >&2; grep hostile "$out/texts" >&2; exit 1; }
grep -qxF 'text: view-pin-prompt-only.png: Smart card "Your password[0m"' \
    "$out/texts" || { echo "FAIL: prompt name not quoted:" >&2; grep prompt-only "$out/texts" >&2; exit 1; }
# A blank capture would be one colour: each must have many.
for f in "$out"/*.png; do
	c=$(convert "$f" -format '%k' info: 2>/dev/null || echo 100)
	[ "$c" -gt 50 ] || { echo "FAIL: $f looks blank ($c colours)" >&2; exit 1; }
done
echo "ok: $n views"
