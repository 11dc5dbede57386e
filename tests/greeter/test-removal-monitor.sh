#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# sclogin-removal-monitor on the real rig (run through rig-run), with a fake
# loginctl that records its calls and a fake logind sessions directory:
#  - removing the login card locks the session (once);
#  - another card in the same reader is ignored, so is a re-insertion blip
#    shorter than the debounce;
#  - the login card identified by CHUID GUID and by certificate SHA-256;
#  - action logout runs terminate-session; action none runs nothing;
#  - the monitor exits when the session file goes away;
#  - bad arguments: exit status 2;
#  - at its event cap (SCL_REMOVAL_MONITOR_CAP4, default the build capped
#    at 4 events beside SCL_REMOVAL_MONITOR) the watch ends with
#    reason=LIMIT and the action runs.
# env: SCL_REMOVAL_MONITOR, SCL_REMOVAL_MONITOR_CAP4, SCL_VCARD, SCL_TEST_PKI, SCL_RIG_CARD,
#      SCL_RIG_SEAL_KEY (rig-run); SCL_TEST_WRAPPER (e.g. valgrind) goes in
#      front of our programs, and waits for them are then longer.
set -u
W=${SCL_TEST_WRAPPER:-}
SLOW=1
[ -n "$W" ] && SLOW=5

fail() {
	echo "FAIL: $*" >&2
	[ -f "${T:-/nonexistent}/mon.log" ] && { echo "--- monitor:" >&2; cat "$T/mon.log" >&2; }
	exit 1
}
for v in SCL_REMOVAL_MONITOR SCL_VCARD SCL_TEST_PKI SCL_RIG_CARD SCL_RIG_SEAL_KEY; do
	eval "[ -n \"\${$v:-}\" ]" || fail "$v is not set"
done

T=$(mktemp -d /tmp/scl-removal-test.XXXXXX) || exit 1
mpid=
cleanup() {
	[ -n "$mpid" ] && kill "$mpid" 2>/dev/null && wait "$mpid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

R="Virtual PCD 00 00"
mkdir -p "$T/sessions"
cat > "$T/loginctl" <<EOF
#!/bin/sh
echo "\$*" >> "$T/calls"
EOF
chmod +x "$T/loginctl"

mkcard() { # CERTNAME STATE
	$W "$SCL_VCARD" init --state "$2" --name "$1" --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null ||
	    fail "vcard init"
	$W "$SCL_VCARD" import --state "$2" --slot 9a --key "$SCL_TEST_PKI/$1.key.pem" \
	    --cert "$SCL_TEST_PKI/$1.cert.pem" --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null ||
	    fail "vcard import"
}
mkcard alice "$T/alice.card"
mkcard bob "$T/bob.card"
guid=$($W "$SCL_VCARD" show --state "$T/alice.card" --seal-key "$SCL_RIG_SEAL_KEY" 2>/dev/null |
    sed -n 's/^guid: //p')
[ ${#guid} -eq 32 ] || fail "no GUID from sclogin-vcard show: '$guid'"
sha=$(openssl x509 -in "$SCL_TEST_PKI/alice.cert.pem" -outform DER | sha256sum | cut -c1-64)

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

# start SID ID ACTION DEBOUNCE (the monitor: $mon)
mon=$SCL_REMOVAL_MONITOR
start() {
	: > "$T/sessions/$1"
	$W "$mon" --reader "$R" --card-id "$2" --action "$3" \
	    --session "$1" --debounce-ms "$4" --loginctl "$T/loginctl" \
	    --sessions-dir "$T/sessions" --verbose >>"$T/mon.log" 2>&1 &
	mpid=$!
	i=0
	until grep -q "watching reader.*session $1 " "$T/mon.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $((200 * SLOW)) ] && fail "monitor for $1 did not start"
		kill -0 $mpid 2>/dev/null || fail "monitor for $1 exited"
		sleep 0.05
	done
}

# wait_exit WHEN: the monitor must exit by itself within 5 s; its status in $st
wait_exit() {
	i=0
	while kill -0 $mpid 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $((100 * SLOW)) ] && fail "monitor did not exit $1"
		sleep 0.05
	done
	wait $mpid
	st=$?
	mpid=
}

# stop SID: remove the session file, the monitor must exit 0 by itself
stop() {
	rm -f "$T/sessions/$1"
	wait_exit "after session $1 ended"
	[ $st -eq 0 ] || fail "monitor exit status $st"
}

# Bad arguments.
$W "$SCL_REMOVAL_MONITOR" --reader "$R" --card-id xyz --session c0 2>/dev/null
[ $? -eq 2 ] || fail "short card id accepted"
$W "$SCL_REMOVAL_MONITOR" --reader "$R" --card-id "$guid" --session c0 --action reboot 2>/dev/null
[ $? -eq 2 ] || fail "unknown action accepted"
$W "$SCL_REMOVAL_MONITOR" --reader "$R" --card-id "$guid" --session ../x 2>/dev/null
[ $? -eq 2 ] || fail "session id with a slash accepted"
# A session id loginctl would take for an option.
$W "$SCL_REMOVAL_MONITOR" --reader "$R" --card-id "$guid" --session=--host=evil 2>/dev/null
[ $? -eq 2 ] || fail "session id '--host=evil' accepted"
# A session that does not exist: nothing to watch, exit 0 at once.
$W "$SCL_REMOVAL_MONITOR" --reader "$R" --card-id "$guid" --session nosuch \
    --sessions-dir "$T/sessions" --loginctl "$T/loginctl" 2>/dev/null ||
    fail "missing session: non-zero exit"

# 1. Lock on removal of the login card (by GUID), once.
"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert"
start c1 "$guid" lock 1200
t0=$(date +%s%N)
"$SCL_RIG_CARD" remove 0 || fail "remove"
wait_calls 1 10
t1=$(date +%s%N)
[ "$(sed -n 1p "$T/calls")" = "lock-session c1" ] || fail "call: $(cat "$T/calls")"
echo "ok: lock after removal ($(( (t1 - t0) / 1000000 )) ms incl. 1200 ms debounce)"

# 2. Another card in the same reader: inserted and removed, nothing.
"$SCL_RIG_CARD" insert 0 "$T/bob.card" || fail "insert bob"
"$SCL_RIG_CARD" remove 0 || fail "remove bob"
sleep 2
[ "$(ncalls)" -eq 1 ] || fail "acted on another card: $(cat "$T/calls")"
echo "ok: another card ignored"

stop c1

# 1b. Started by a setuid host (real uid the user's): all root, so the
#     user cannot signal it away.
if command -v setpriv >/dev/null; then
	"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert"
	: > "$T/sessions/c1r"
	# Not under $W: valgrind runs a program whose real uid is not its
	# effective one with the effective uid dropped, which is the very
	# thing this case checks does not happen (the other cases run the
	# same monitor code under it).
	setpriv --ruid 1001 -- "$SCL_REMOVAL_MONITOR" --reader "$R" \
	    --card-id "$guid" --action lock --session c1r --debounce-ms 300 \
	    --loginctl "$T/loginctl" --sessions-dir "$T/sessions" --verbose \
	    >>"$T/mon.log" 2>&1 &
	mpid=$!
	i=0
	until grep -q "watching reader.*session c1r " "$T/mon.log"; do
		i=$((i + 1))
		[ $i -gt $((200 * SLOW)) ] && fail "monitor for c1r did not start"
		sleep 0.05
	done
	uids=$(sed -n 's/^Uid:[[:space:]]*//p' /proc/$mpid/status | tr -s '\t ' ' ')
	[ "$uids" = "0 0 0 0" ] || fail "setuid-started monitor has uids '$uids'"
	echo "ok: setuid-started monitor runs as root ($uids)"
	stop c1r
	"$SCL_RIG_CARD" remove 0 || fail "remove"
	[ "$(ncalls)" -eq 1 ] || fail "the setuid case acted: $(cat "$T/calls")"
fi

# 3. A blip (out and back in) shorter than the debounce: nothing.  A long
#    debounce so that slow (sanitizer) builds still blip inside it.
"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert again"
start c1b "$guid" lock 5000
b0=$(date +%s%N)
"$SCL_RIG_CARD" remove 0 && "$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "blip"
b1=$(date +%s%N)
sleep 5.5
[ "$(ncalls)" -eq 1 ] || fail "acted on a $(( (b1 - b0) / 1000000 )) ms blip: $(cat "$T/calls")"
echo "ok: $(( (b1 - b0) / 1000000 )) ms re-insertion blip within the 5000 ms debounce ignored"
stop c1b

# 4. By certificate SHA-256, action logout.
start c2 "$sha" logout 300
"$SCL_RIG_CARD" remove 0 || fail "remove"
wait_calls 2 10
[ "$(sed -n 2p "$T/calls")" = "terminate-session c2" ] || fail "call: $(cat "$T/calls")"
echo "ok: terminate-session on removal (certificate SHA-256 identity)"
stop c2

# 5. A card id that is not the card in the reader: never acts.
"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert"
start c3 00112233445566778899aabbccddeeff lock 300
"$SCL_RIG_CARD" remove 0 || fail "remove"
sleep 1.5
[ "$(ncalls)" -eq 2 ] || fail "acted for another card id: $(cat "$T/calls")"
echo "ok: not the login card, no action"
stop c3

# 6. action none: logs, no loginctl.
"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert"
start c4 "$guid" none 300
"$SCL_RIG_CARD" remove 0 || fail "remove"
sleep 1.5
[ "$(ncalls)" -eq 2 ] || fail "action none ran loginctl"
grep -q "action=none session=c4" "$T/mon.log" || fail "action none not logged"
echo "ok: action none"
stop c4

# 7. The event cap: events of the other reader count too.  At the cap the
#    watch ends, logged with reason=LIMIT, and with the login card still in
#    the session is locked: removal could no longer be seen (fail closed).
mon=${SCL_REMOVAL_MONITOR_CAP4:-$SCL_REMOVAL_MONITOR-cap4}
[ -x "$mon" ] || fail "no capped monitor at $mon"
{
	"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert"
	start c5 "$guid" lock 300
	for k in 1 2 3; do
		kill -0 $mpid 2>/dev/null || break
		echo "# cap round $k"
		"$SCL_RIG_CARD" insert 1 "$T/bob.card" || fail "insert bob in reader 1"
		"$SCL_RIG_CARD" remove 1 || fail "remove bob from reader 1"
	done
	wait_calls 3 10
	[ "$(sed -n 3p "$T/calls")" = "lock-session c5" ] || fail "call: $(cat "$T/calls")"
	grep -q "stopped watching reader '$R' for session c5 after 4 events reason=LIMIT" \
	    "$T/mon.log" || fail "the cap was not logged with reason=LIMIT"
	wait_exit "at its cap"
	[ $st -ne 0 ] || fail "monitor exit status 0 at its cap"
	rm -f "$T/sessions/c5"
	"$SCL_RIG_CARD" remove 0 || fail "remove"
	echo "ok: event cap reached: reason=LIMIT, session locked"
}
exit 0
