#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The sclogin command line without a card: --help for every verb, --version,
# usage errors (exit 2) and the documented exit codes in sclogin(1).
set -u
S=${SCLOGIN:?}
W=${SCL_TEST_WRAPPER:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect CODE ARGS...
expect() {
	want=$1
	shift
	# shellcheck disable=SC2086 # the wrapper's words, by contract
	$W "$S" "$@" >"$T/out" 2>"$T/err" </dev/null
	got=$?
	[ "$got" -eq "$want" ] || {
		cat "$T/out" "$T/err" >&2
		fail "sclogin $*: exit $got, wanted $want"
	}
	n=$((n + 1))
}

expect 0 --help
grep -q 'Exit codes' "$T/out" || fail "--help lacks exit codes"
expect 0 --version
grep -q '^sclogin [0-9]' "$T/out" || fail "--version"
expect 2
expect 2 frobnicate
grep -q "unknown verb 'frobnicate'" "$T/err" || fail "unknown verb message"
expect 2 --bogus readers
expect 2 --reader

for v in readers watch status doctor enroll "pin change" "pin unblock" \
    "pin reset" "vcard create" "vcard list" "vcard delete"; do
	# shellcheck disable=SC2086
	expect 0 $v --help
	g=${v%% *}
	grep -q "Usage: sclogin $g" "$T/out" || fail "$v --help"
	# shellcheck disable=SC2086
	expect 2 $v --no-such-option
	grep -q "Try 'sclogin $v --help'" "$T/err" || fail "$v: no hint"
done
expect 0 pin --help
expect 0 vcard --help
expect 2 readers extra
expect 2 watch --timeout
expect 2 watch --timeout soon
expect 2 status --json extra
expect 2 doctor --slots 9b,9a
expect 2 enroll --slot 9a
expect 2 pin change --pin-fd x
expect 2 vcard create --name 'a/b'

# Global options may come before or after the verb.
expect 2 --json watch --count 0
expect 2 watch --count 0 --json

# Every exit code of tool.h is documented in the man page.
man=${SCL_SOURCE_ROOT:?}/data/sclogin.1
for code in 0 1 2 3 4 5 6; do
	grep -q "^\.B $code\$" "$man" || fail "exit code $code not in sclogin(1)"
done
for v in readers watch status doctor enroll pin vcard; do
	grep -q "^\.SS $v\$" "$man" || fail "no section for $v in sclogin(1)"
done
echo "ok: $n command lines checked"
