#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# sclogin pin change / unblock / reset on the rig, with PIN policy
# refusals before any APDU and the last-try guard.
. "$(dirname "$0")/lib.sh"
in_rig "$@"

# pin ACTION INPUT [ARGS...]: secrets from INPUT (one per line) via --pin-fd.
pin() {
	action=$1
	input=$2
	shift 2
	printf "$input" >"$T/secrets"
	sclogin pin "$action" --pin-fd 3 "$@" 3<"$T/secrets"
}

# Policy refusals come before any card access: with no card inserted they
# exit 4 (policy), not 3 (no card).
mkcard alice alice
expect 4 pin change '123456\n12\n'
has_err 'PIN policy'
has_err 'at least 6'
expect 4 pin change '123456\nabcdef\n' --pin-policy 'digit=required'
expect 4 pin change '123456\n123456789\n'
has_err 'at most 8'
expect 4 pin unblock '12345678\n1\n'
expect 4 pin reset '12\n' --admin-key default
ok "policy refusals exit 4 before anything touches the card"

insert 0 "$T/alice.state"
expect 4 pin change '123456\n12\n'
[ "$(tries)" = 3 ] || fail "policy refusal spent a try"
ok "a refused new PIN leaves the card's counter alone"

expect 0 pin change '123456\n24680135\n'
has 'PIN changed.'
expect 0 pin change '24680135\n123456\n' --json
json_ok
[ "$(jget 'd["result"]')" = ok ] || fail "json result"
ok "pin change works, and back (the new PIN was really set)"

expect 5 pin change '000000\n654321\n'
has_err 'wrong PIN; 2 tries left'
expect 5 pin change '000000\n654321\n' --json
json_ok
[ "$(jget 'd["error"]["code"]')" = PIN_WRONG ] || fail "json error code"
[ "$(tries)" = 1 ] || fail "tries 1"
ok "wrong PIN exits 5 and says the tries left"

expect 4 pin change '000000\n654321\n'
has_err 'only one PIN try is left'
[ "$(tries)" = 1 ] || fail "the last try was spent"
ok "the last try is not spent without --allow-last-try"

expect 5 pin change '000000\n654321\n' --allow-last-try
[ "$(tries)" = 0 ] || fail "blocked"
expect 0 sclogin status
has 'PIN tries left: 0 (BLOCKED)'
expect 5 pin change '123456\n654321\n'
has_err 'blocked'
ok "the PIN blocks, status says so, change refuses"

expect 5 pin unblock '00000000\n654321\n'
has_err 'wrong PUK; 2 tries left'
expect 5 pin unblock '00000000\n654321\n'
expect 4 pin unblock '12345678\n654321\n'
has_err 'only one PUK try is left'
expect 0 sclogin status
has 'PUK tries left: 1 (LAST TRY)'
ok "the last PUK try is guarded too"
expect 0 pin unblock '12345678\n654321\n' --allow-last-try
has 'PIN unblocked'
expect 0 sclogin status
has 'PUK tries left: 3'
expect 0 pin change '654321\n123456\n'
for i in 1 2 3; do
	pin change '000000\n654321\n' --allow-last-try >/dev/null 2>&1
done
[ "$(tries)" = 0 ] || fail "blocked again"
expect 0 pin unblock '12345678\n654321\n'
has 'PIN unblocked'
[ "$(tries)" = 3 ] || fail "tries after unblock"
expect 0 pin change '654321\n123456\n'
ok "pin unblock with the PUK sets a new PIN and restores the tries"

expect 4 pin change '12\n654321\n'
has_err 'current PIN is refused before it reaches the card'
has_err 'at least 6'
[ "$(tries)" = 3 ] || fail "a short current PIN spent a try"
ok "a current PIN of the wrong length is refused with no try spent"

# A card that does not report its PIN counter: no blind change with
# --pin-fd unless --allow-last-try says so.
remove 0
"$SCL_RIG_CARD" insert-cmd 0 "$SCL_VCARD" run --state "$T/alice.state" \
    --port 40000 --seal-key "$SEAL" --no-tries-report ||
    fail "insert the card that hides its counter"
expect 4 pin change '000000\n654321\n'
has_err 'does not report how many PIN tries are left'
expect 0 pin change '123456\n654321\n' --allow-last-try
expect 0 pin change '654321\n123456\n' --allow-last-try
remove 0
insert 0 "$T/alice.state"
[ "$(tries)" = 3 ] || fail "tries after the counter-less card"
ok "a card that hides its PIN counter needs --allow-last-try"

# On a terminal: echo off, the new PIN asked twice, Ctrl-C restores.
tty_pin() {
	python3 "$(dirname "$0")/tty-pin.py" "$SCLOGIN" "$1" >"$T/out" 2>&1 ||
	    { cat "$T/out" >&2; fail "tty $1"; }
}
tty_pin ok
has 'PIN changed.'
tty_pin mismatch
[ "$(tries)" = 3 ] || fail "mismatch touched the card"
tty_pin back
tty_pin interrupt
[ "$(tries)" = 3 ] || fail "tries after the terminal tests"
ok "pin change on a terminal: echo off, confirmation, Ctrl-C"

expect 2 sclogin pin
expect 2 sclogin pin frobnicate
expect 2 sclogin pin reset
expect 2 sclogin pin reset --admin-key 0102 --pin-fd 0
expect 2 sclogin pin reset --admin-key default --admin-alg aes128
expect 2 sclogin pin change --admin-key default
expect 2 sclogin pin change --pin-policy 'min=x'
expect 2 sclogin pin change 123456
ok "pin usage errors exit 2 (and a PIN on the command line is refused)"
done_ok
