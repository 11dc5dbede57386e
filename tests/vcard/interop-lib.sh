# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Sourced by the interop tests: re-run the test inside a fresh rig
# (tests/rig/rig-run) and provide small helpers.  Needs SCL_VCARD,
# SCL_RIG_RUN and SCL_TEST_PKI from the meson test environment.
# SCL_TEST_WRAPPER (e.g. valgrind) goes in front of the vcard: `$W "$V"`;
# waits for it are then SLOW times longer.
set -u
if [ -z "${SCL_RIG_DIR:-}" ]; then
	[ -n "${SCL_RIG_RUN:-}" ] || { echo "SCL_RIG_RUN is not set" >&2; exit 2; }
	exec sh "$SCL_RIG_RUN" -- sh "$0" "$@"
fi
PKCS11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
D=$SCL_RIG_DIR
V=$SCL_VCARD
W=${SCL_TEST_WRAPPER:-}
SLOW=1
[ -n "$W" ] && SLOW=5
PKI=$SCL_TEST_PKI
failures=0
# SCL_RIG_TPM set (the *-tpm variants): the card is a TPM card in the rig's
# swtpm; $VT goes after `$V init` and `$V import`.  Under a wrapper only
# interop-opensc-tpm runs (one TPM case per kind, for CI time).
VT=
if [ -n "${SCL_RIG_TPM:-}" ]; then
	VT="--protect tpm --tcti $SCL_RIG_TCTI"
	if [ -n "$W" ] && [ "$(basename "$0")" != interop-opensc.sh ]; then
		echo "SKIP: TPM variant runs under a wrapper only for opensc" >&2
		exit 77
	fi
fi

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
# check DESCRIPTION CMD...: run CMD, pass when it exits 0
check() {
	d=$1; shift
	if "$@" >"$D/out" 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/#   /' "$D/out"; fi
}
# check_fail DESCRIPTION CMD...: pass when CMD fails
check_fail() {
	d=$1; shift
	if "$@" >"$D/out" 2>&1; then not_ok "$d (unexpected success)"; sed 's/^/#   /' "$D/out"; else ok "$d"; fi
}
# check_out DESCRIPTION PATTERN CMD...: pass when the output matches
check_out() {
	d=$1; p=$2; shift 2
	"$@" >"$D/out" 2>&1
	if grep -q -- "$p" "$D/out"; then ok "$d"; else not_ok "$d (no '$p')"; sed 's/^/#   /' "$D/out"; fi
}
need() {
	command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 is not installed" >&2; exit 77; }
}
finish() {
	if [ "$failures" -ne 0 ]; then
		echo "# $failures check(s) failed; card log:"
		sed 's/^/#   /' "$D"/card0.log 2>/dev/null | tail -n 40
		exit 1
	fi
	exit 0
}
