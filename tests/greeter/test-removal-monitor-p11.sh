#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# sclogin-removal-monitor --backend pkcs11 (run through rig-run), with a fake
# loginctl that records its calls and a fake logind sessions directory:
#  - a SoftHSM2 token pcscd never sees, behind fake-p11.so's late-token mode
#    (present while a file exists): its removal locks the session (token
#    serial as the identity), a removal shorter than the debounce does
#    nothing, the certificate SHA-256 identity with action logout, another
#    token's serial never acts, a token gone before the start acts after
#    the debounce; with and without the module's slot events;
#  - OpenSC's module over the virtual PIV card in the rig's reader: pulling
#    the card locks the session;
#  - bad arguments: exit status 2.
# env: SCL_REMOVAL_MONITOR, SCL_P11_HELPER, SCL_FAKE_P11, SCL_TEST_PKI,
#      SCL_VCARD, SCL_RIG_CARD, SCL_RIG_SEAL_KEY (rig-run); SCL_TEST_WRAPPER
#      (e.g. valgrind) goes in front of our programs.
set -u
W=${SCL_TEST_WRAPPER:-}
SLOW=1
[ -n "$W" ] && SLOW=5
OPENSC=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so

fail() {
	echo "FAIL: $*" >&2
	[ -f "${T:-/nonexistent}/mon.log" ] && { echo "--- monitor:" >&2; cat "$T/mon.log" >&2; }
	exit 1
}
for v in SCL_REMOVAL_MONITOR SCL_P11_HELPER SCL_FAKE_P11 SCL_TEST_PKI; do
	eval "[ -n \"\${$v:-}\" ]" || fail "$v is not set"
done
if [ ! -r /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so ] || ! command -v softhsm2-util >/dev/null ||
    ! command -v pkcs11-tool >/dev/null; then
	echo "SKIP: SoftHSM2 or pkcs11-tool (opensc) is not installed"
	exit 77
fi

T=$(mktemp -d /tmp/scl-removal-p11.XXXXXX) || exit 1
mpid=
cleanup() {
	[ -n "$mpid" ] && kill "$mpid" 2>/dev/null && wait "$mpid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$T/sessions"
cat > "$T/loginctl" <<EOF
#!/bin/sh
echo "\$*" >> "$T/calls"
EOF
chmod +x "$T/loginctl"

# The SoftHSM2 token "alice".
. "$(dirname "$0")/p11-token.sh"
p11_token "$T" alice || fail "cannot make the SoftHSM2 token"
slot=$p11_slot
serial=$p11_serial
sha=$(sha256sum < "$SCL_TEST_PKI/alice.cert.der" | cut -c1-64)

export SCL_FAKE_P11_REAL="$SOFTHSM" SCL_FAKE_P11_MODE=late-token
export SCL_FAKE_P11_TOKEN_FILE="$T/present"
touch "$T/present"

ncalls() {
	[ -f "$T/calls" ] && wc -l < "$T/calls" || echo 0
}

# wait_calls N SECONDS
wait_calls() {
	i=0
	while [ "$(ncalls)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -gt $(($2 * 20 * SLOW)) ] && fail "expected $1 loginctl call(s), got $(ncalls)"
		sleep 0.05
	done
}

# start SID ID ACTION DEBOUNCE [MODULE NAME]: the monitor in $mpid
start() {
	: > "$T/sessions/$1"
	$W "$SCL_REMOVAL_MONITOR" --backend pkcs11 \
	    --pkcs11-modules "${5:-$SCL_FAKE_P11}" \
	    --pkcs11-helper "$SCL_P11_HELPER" --reader "${6:-$slot}" \
	    --card-id "$2" --action "$3" --session "$1" --debounce-ms "$4" \
	    --loginctl "$T/loginctl" --sessions-dir "$T/sessions" \
	    --verbose >>"$T/mon.log" 2>&1 &
	mpid=$!
	i=0
	until grep -q "watching PKCS#11 token.*session $1 " "$T/mon.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $((300 * SLOW)) ] && fail "monitor for $1 did not start"
		kill -0 $mpid 2>/dev/null || fail "monitor for $1 exited"
		sleep 0.05
	done
}

# stop SID: remove the session file, the monitor must exit 0 by itself
stop() {
	rm -f "$T/sessions/$1"
	i=0
	while kill -0 $mpid 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $((100 * SLOW)) ] && fail "monitor did not exit after session $1 ended"
		sleep 0.05
	done
	wait $mpid
	st=$?
	mpid=
	[ $st -eq 0 ] || fail "monitor exit status $st"
}

# Bad arguments.
: > "$T/sessions/c0"
for bad in "--backend gids" "--backend pkcs11 --pkcs11-modules relative.so" \
    "--backend pkcs11 --pkcs11-helper helper" "--card-id -x" \
    "--card-id 0123456789abcdef0123456789abcdef0"; do
	# shellcheck disable=SC2086
	$W "$SCL_REMOVAL_MONITOR" --reader "$slot" --card-id "$serial" \
	    --session c0 --sessions-dir "$T/sessions" $bad 2>/dev/null
	[ $? -eq 2 ] || fail "accepted: $bad"
done
rm -f "$T/sessions/c0"
echo "ok: bad arguments refused"

for how in events no-events; do
	# session ids of this round (the log is shared)
	r=1
	[ $how = no-events ] && { export SCL_FAKE_P11_NO_EVENTS=1; r=2; }
	n=$(ncalls)

	# 1. Lock on removal of the login token (by serial), once.
	touch "$T/present"
	start p1$r "$serial" lock 500
	t0=$(date +%s%N)
	rm -f "$T/present"
	wait_calls $((n + 1)) 10
	t1=$(date +%s%N)
	[ "$(sed -n "$((n + 1))p" "$T/calls")" = "lock-session p1$r" ] ||
	    fail "call: $(cat "$T/calls")"
	echo "ok ($how): lock after the token's removal ($(( (t1 - t0) / 1000000 )) ms incl. 500 ms debounce)"
	stop p1$r

	# 2. Out and back in within the debounce: nothing.
	touch "$T/present"
	start p2$r "$serial" lock 4000
	rm -f "$T/present"
	sleep 0.5
	touch "$T/present"
	sleep 5
	[ "$(ncalls)" -eq $((n + 1)) ] || fail "acted on a blip: $(cat "$T/calls")"
	echo "ok ($how): a 500 ms removal within the 4000 ms debounce ignored"
	stop p2$r

	# 3. By certificate SHA-256, action logout.
	start p3$r "$sha" logout 300
	grep -q "session p3$r (login token present)" "$T/mon.log" ||
	    fail "the token was not the login token by its certificate"
	rm -f "$T/present"
	wait_calls $((n + 2)) 10
	[ "$(sed -n "$((n + 2))p" "$T/calls")" = "terminate-session p3$r" ] ||
	    fail "call: $(cat "$T/calls")"
	echo "ok ($how): terminate-session on removal (certificate SHA-256 identity)"
	stop p3$r

	# 4. Another token's serial: never acts.
	touch "$T/present"
	start p4$r 0011223344556677 lock 300
	rm -f "$T/present"
	sleep 1.5
	[ "$(ncalls)" -eq $((n + 2)) ] || fail "acted for another token: $(cat "$T/calls")"
	echo "ok ($how): not the login token, no action"
	stop p4$r

	# 5. Gone before the monitor started: acts once the debounce passed.
	start p5$r "$serial" lock 300
	wait_calls $((n + 3)) 10
	[ "$(sed -n "$((n + 3))p" "$T/calls")" = "lock-session p5$r" ] ||
	    fail "call: $(cat "$T/calls")"
	grep -q "session=p5$r .*(token absent at start)" "$T/mon.log" ||
	    fail "absent at start not logged"
	echo "ok ($how): token absent at start, session locked"
	stop p5$r
done
unset SCL_FAKE_P11_NO_EVENTS

# 6. OpenSC over the virtual PIV card in the rig's reader (PC/SC and the
#    module's slot events both see it go).  Not under valgrind: OpenSC in
#    the helper under memcheck misses the 10 s per-call bound on a loaded
#    machine, and the monitor's PKCS#11 paths ran under it above.
if [ -z "$W" ] && [ -n "${SCL_RIG_CARD:-}" ] && [ -n "${SCL_VCARD:-}" ] &&
    [ -r "$OPENSC" ]; then
	$W "$SCL_VCARD" init --state "$T/alice.card" --name alice \
	    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null || fail "vcard init"
	$W "$SCL_VCARD" import --state "$T/alice.card" --slot 9a \
	    --key "$SCL_TEST_PKI/alice.key.pem" \
	    --cert "$SCL_TEST_PKI/alice.cert.pem" \
	    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null || fail "vcard import"
	"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert"
	oslot=$(pkcs11-tool --module "$OPENSC" -L 2>/dev/null |
	    sed -n 's/^Slot [0-9]* (0x[0-9a-f]*): //p' | head -n 1)
	oserial=$(pkcs11-tool --module "$OPENSC" -L 2>/dev/null |
	    sed -n 's/^ *serial num *: //p' | head -n 1)
	[ -n "$oslot" ] && [ -n "$oserial" ] ||
	    fail "OpenSC lists no token: '$oslot' '$oserial'"
	n=$(ncalls)
	start o1 "$oserial" lock 500 "$OPENSC" "$oslot"
	grep -q "session o1 (login token present)" "$T/mon.log" ||
	    fail "the card was not the login token through OpenSC"
	t0=$(date +%s%N)
	"$SCL_RIG_CARD" remove 0 || fail "remove"
	wait_calls $((n + 1)) 15
	t1=$(date +%s%N)
	[ "$(sed -n "$((n + 1))p" "$T/calls")" = "lock-session o1" ] ||
	    fail "call: $(cat "$T/calls")"
	echo "ok: OpenSC token in a PC/SC reader, lock after removal ($(( (t1 - t0) / 1000000 )) ms incl. 500 ms debounce)"
	stop o1
else
	echo "# under valgrind, or no rig or no OpenSC: the PC/SC reader case is skipped"
fi
exit 0
