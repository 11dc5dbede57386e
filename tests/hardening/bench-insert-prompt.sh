#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# bench-insert-prompt.sh: bench/run's insert-to-prompt phase runs on the
# rig and prints its lines in the documented format (bench/RESULTS.md):
#   insert-to-prompt module: median N ms (MIN..MAX, n=K)
#   insert-to-prompt greeter: median N ms (MIN..MAX, n=K)
# with K >= 1 (every insertion was timed from the card's arrival to the PIN
# prompt), or for the greeter "n/a (reason)" where it cannot run.  The
# numbers themselves are not checked: this is a benchmark, not a timed test.
set -uo pipefail

src=${SCL_SOURCE_ROOT:-$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}
build=${SCL_BUILD_ROOT:-$src/build}
res=$build/tests/hardening/bench-insert
rm -rf "$res"
mkdir -p "$res"
SCL_SOURCE_ROOT=$src SCL_BUILD_ROOT=$build SCL_BENCH_RESULTS=$res \
    bash "$src/bench/run" --only-insert --insert-runs 2 --skip-pkcs11 \
    --skip-latency --skip-tpm >"$res/out.txt" 2>"$res/err.txt"
rc=$?
fail() {
	echo "FAIL: $*" >&2
	echo "--- bench/run stdout:" >&2; cat "$res/out.txt" >&2
	echo "--- bench/run stderr (tail):" >&2; tail -n 30 "$res/err.txt" >&2
	exit 1
}
[ $rc -eq 0 ] || fail "bench/run exited $rc"
num='median [0-9]+ ms \([0-9]+\.\.[0-9]+, n=[12]\)'
grep -Eqx "insert-to-prompt module: $num" "$res/out.txt" ||
    fail "no timed module line"
if command -v Xvfb >/dev/null && [ -x "$build/greeter/sclogin-greeter" ]; then
	grep -Eqx "insert-to-prompt greeter: $num" "$res/out.txt" ||
	    fail "no timed greeter line"
else
	grep -Eqx 'insert-to-prompt greeter: n/a \(.+\)' "$res/out.txt" ||
	    fail "no greeter line"
fi
grep -q '^## Insert-to-prompt' "$res/latest/summary.md" ||
    fail "summary.md has no insert-to-prompt section"
grep -E '^insert-to-prompt ' "$res/out.txt"
echo "ok: insert-to-prompt lines"
