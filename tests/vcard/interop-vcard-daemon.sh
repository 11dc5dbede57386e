#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# The daemon side of sclogin-vcard against a real pcscd: SIGTERM ends it
# cleanly and pcscd sees the card go; it reconnects when pcscd restarts;
# a malformed state file or a wrong seal key is refused with a reason.
. "$(dirname "$0")/interop-lib.sh"
need opensc-tool

check "init card" $W "$V" init --state "$D/card" --seal-key "$SCL_RIG_SEAL_KEY"
$W "$V" run --state "$D/card" --seal-key "$SCL_RIG_SEAL_KEY" --port 40000 >"$D/card0.log" 2>&1 &
pid=$!
check "pcscd sees the card" "$SCL_RIG_CARD" wait 0 present
check_out "the card answers" "Personal Identity Verification Card" \
    opensc-tool -r 0 -n

check_out "a second daemon on the same card is refused" "in use" \
    $W "$V" run --state "$D/card" --seal-key "$SCL_RIG_SEAL_KEY" --port 40001 --once
check_out "import while the card runs is refused" "in use" \
    $W "$V" import --state "$D/card" --seal-key "$SCL_RIG_SEAL_KEY" --slot 9a \
    --cert "$PKI/alice.cert.pem"

# pcscd goes away and comes back: the card reconnects on its own
kill "$SCL_RIG_PCSCD_PID"
i=0
while kill -0 "$SCL_RIG_PCSCD_PID" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
pcscd -f -c "$D/reader.conf.d" >>"$D/pcscd.log" 2>&1 &
echo $! > "$D/pcscd.pid"
i=0
until [ -S /run/pcscd/pcscd.comm ] || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the card is back after a pcscd restart" "$SCL_RIG_CARD" wait 0 present
check_out "and answers" "Personal Identity Verification Card" \
    opensc-tool -r 0 -n
check_out "it logged the reconnection" "reconnecting" cat "$D/card0.log"

kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt $((50 * SLOW)) ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
	not_ok "SIGTERM ends the daemon within $((5 * SLOW)) s"
	kill -9 "$pid"
else
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] && ok "SIGTERM ends the daemon with status 0" ||
	    not_ok "SIGTERM exit status $rc"
fi
check "pcscd sees the card go" "$SCL_RIG_CARD" wait 0 absent

cp "$D/card" "$D/bad"
sed -i 's/^pin-tries .*/pin-tries 9 3/' "$D/bad"
check_out "a malformed state file is refused with the reason" \
    "pin-tries" $W "$V" run --state "$D/bad" --seal-key "$SCL_RIG_SEAL_KEY" --once
head -n 5 "$D/card" > "$D/bad"
check_out "a truncated state file is refused" "newline\|truncated\|missing" \
    $W "$V" run --state "$D/bad" --seal-key "$SCL_RIG_SEAL_KEY" --once
head -c 32 /dev/urandom > "$D/other.key"
chmod 600 "$D/other.key"
check_out "a wrong seal key is refused" "seal key" \
    $W "$V" run --state "$D/card" --seal-key "$D/other.key" --once
check_fail "init refuses to overwrite a card" $W "$V" init --state "$D/card" \
    --seal-key "$SCL_RIG_SEAL_KEY"
check_out "init checks the PIN policy" "PIN" $W "$V" init --state "$D/new" \
    --seal-key "$SCL_RIG_SEAL_KEY" --pin 12
finish
