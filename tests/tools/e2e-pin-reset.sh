#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# sclogin pin reset --admin-key on the rig: the admin key (9B) mutual
# authentication, then RESET RETRY COUNTER P1=02 sets the new PIN.
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

mkcard alice alice
insert 0 "$T/alice.state"
# Admin key reset (the Windows virtual smart card way), on a blocked PIN.
for i in 1 2 3; do
	pin change '000000\n654321\n' --allow-last-try >/dev/null 2>&1
done
[ "$(tries)" = 0 ] || fail "blocked again"
expect 5 pin reset '112233\n' --admin-key 0102030405060708010203040506070801020304050607ff
has_err 'admin key'
# Issue 11: a software card's keys open only with the PIN or the PUK, so
# the card refuses an admin-key PIN reset (6985) and stays blocked.
expect 4 pin reset '112233\n' --admin-key default
[ "$(tries)" = 0 ] || fail "tries after a refused admin reset"
ok "pin reset --admin-key is refused by a software card; a wrong admin key exits 5"

expect 4 pin reset '12\n' --admin-key default
[ "$(tries)" = 0 ] || fail "policy refusal touched the card"
ok "pin reset refuses a PIN the policy refuses before authenticating"

# A virtual card made by `sclogin vcard create` with a random AES-256 key.
remove 0
expect 0 sclogin vcard create --name hd --admin-key random --admin-alg aes256 \
    --state-dir "$T/vc" --seal-key "$SEAL" --json
key=$(jget 'd["admin_key"]')
insert 0 "$T/vc/hd.state"
expect 5 pin reset '246810\n' --admin-key default
has_err "the card's admin key is aes256 (32 bytes)"
expect 2 pin reset '246810\n' --admin-key "$key" --admin-alg aes128
expect 5 pin reset '246810\n' --admin-key default --admin-alg 3des
has_err 'refused the admin key'
expect 4 pin reset '246810\n' --admin-key "$key" --admin-alg aes256
ok "a random AES-256 admin key from vcard create authenticates; the software card refuses the reset"
expect 4 pin reset '135790\n' --admin-key "$key"
ok "without --admin-alg the card's algorithm is used (GET METADATA)"
done_ok
