# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Shared helpers of the sclogin end-to-end tests (sourced).  Each test
# script re-executes itself inside tests/rig/rig-run, so it has a private
# pcscd with the vpcd readers "Virtual PCD 00 00" (port 40000) and
# "Virtual PCD 00 01" (40001).  Environment from meson: SCLOGIN, SCL_VCARD,
# SCL_RIG_RUN, SCL_TEST_PKI; SCL_TEST_WRAPPER (e.g. valgrind, from
# `meson test --setup valgrind`) goes in front of every program of ours.

set -u
W=${SCL_TEST_WRAPPER:-}
# Waits for a program of ours to get going are SLOW times longer under it.
SLOW=1
[ -n "$W" ] && SLOW=5

# sclogin ARGS / vcard ARGS: the programs under test, wrapped.
# shellcheck disable=SC2086
sclogin() { $W "$SCLOGIN" "$@"; }
# shellcheck disable=SC2086
vcard() { $W "$SCL_VCARD" "$@"; }

in_rig() {
	if [ -z "${SCL_RIG_DIR:-}" ]; then
		exec "$SCL_RIG_RUN" -- sh "$0" "$@"
	fi
	T=$SCL_RIG_DIR/tools
	mkdir -p "$T"
	PKI=$SCL_TEST_PKI
	SEAL=$SCL_RIG_SEAL_KEY
	n_checks=0
}

fail() {
	echo "FAIL: $*" >&2
	for f in "$SCL_RIG_DIR"/card*.log; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -n 5 "$f" >&2; }
	done
	exit 1
}

ok() {
	n_checks=$((n_checks + 1))
	echo "ok $n_checks - $*"
}

# expect CODE CMD...: run CMD (stdout to $T/out, stderr to $T/err) and
# check its exit code.
expect() {
	want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "--- stdout" >&2; cat "$T/out" >&2
		echo "--- stderr" >&2; cat "$T/err" >&2
		fail "exit $got, wanted $want: $*"
	fi
}

# Output checks on $T/out.
has() {
	grep -q -- "$1" "$T/out" || {
		cat "$T/out" >&2
		fail "output lacks '$1'"
	}
}

has_err() {
	grep -q -- "$1" "$T/err" || {
		cat "$T/err" >&2
		fail "stderr lacks '$1'"
	}
}

lacks() {
	if grep -q -- "$1" "$T/out"; then
		cat "$T/out" >&2
		fail "output has '$1'"
	fi
}

# json_ok: $T/out is one JSON document.
json_ok() {
	python3 -m json.tool "$T/out" >/dev/null || {
		cat "$T/out" >&2
		fail "not JSON"
	}
}

# jget EXPR: evaluate a Python expression on the parsed $T/out as `d`.
jget() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/out" "$1"
}

# mkcard NAME [CERT]: a fresh card state $T/NAME.state; with CERT (a test
# PKI name) its key and certificate are in slot 9a.
mkcard() {
	rm -f "$T/$1.state"
	vcard init --state "$T/$1.state" --name "$1" \
	    --seal-key "$SEAL" >/dev/null || fail "vcard init $1"
	if [ $# -ge 2 ]; then
		vcard import --state "$T/$1.state" --slot 9a \
		    --key "$PKI/$2.key.pem" --cert "$PKI/$2.cert.pem" \
		    --seal-key "$SEAL" >/dev/null || fail "vcard import $2"
	fi
}

insert() {
	"$SCL_RIG_CARD" insert "$1" "$2" || fail "insert $2 in slot $1"
}

remove() {
	"$SCL_RIG_CARD" remove "$1" || fail "remove slot $1"
}

# tries: PIN tries left of the card in reader 00 00, by sclogin status.
tries() {
	sclogin status --json --reader 'Virtual PCD 00 00' >"$T/st" ||
	    fail "status failed"
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pin"]["tries_left"])' "$T/st"
}

done_ok() {
	echo "all $n_checks checks passed"
	exit 0
}
