#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# sclogin readers and watch on the rig: readers, cards in them, live
# insert/remove events with timestamps, --count/--timeout bounds, no pcscd.
. "$(dirname "$0")/lib.sh"
in_rig "$@"

mkcard alice alice

expect 0 sclogin readers
has 'Virtual PCD 00 00 *no card'
has 'Virtual PCD 00 01 *no card'
ok "readers lists both vpcd readers, no card"

expect 0 sclogin readers --json
json_ok
[ "$(jget 'len(d["readers"])')" = 2 ] || fail "two readers in JSON"
[ "$(jget 'd["readers"][0]["card_present"]')" = False ] || fail "no card"
ok "readers --json parses"

insert 0 "$T/alice.state"
expect 0 sclogin readers
has 'Virtual PCD 00 00 *card present *ATR 3b'
has 'Virtual PCD 00 01 *no card'
ok "readers sees the inserted card and its ATR"

# watch: events as they happen.  Start it, wait for its snapshot, then
# insert and remove a card in reader 00 01.
sclogin watch --json --count 2 --timeout 30s >"$T/watch" 2>"$T/watch.err" &
wpid=$!
i=0
until grep -q SNAPSHOT "$T/watch" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt $((100 * SLOW)) ] && fail "watch printed no snapshot"
	sleep 0.05
done
mkcard bob bob
insert 1 "$T/bob.state"
remove 1
wait $wpid || { cat "$T/watch.err" >&2; fail "watch exit $?"; }
python3 - "$T/watch" <<'PY' || fail "watch events"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["event"] == "SNAPSHOT", lines[0]
assert [r["card_present"] for r in lines[0]["readers"]] == [True, False]
ev = lines[1:]
assert [e["event"] for e in ev] == ["CARD_INSERTED", "CARD_REMOVED"], ev
assert all(e["reader"] == "Virtual PCD 00 01" for e in ev), ev
assert ev[0]["atr"].startswith("3b"), ev[0]
assert ev[0]["elapsed_ms"] <= ev[1]["elapsed_ms"]
assert all(e["time"].endswith("Z") and "T" in e["time"] for e in ev)
PY
ok "watch --json reports insert then remove in 00 01, with timestamps"

# Human output: timestamp, relative seconds, event, reader.
sclogin watch --count 1 --timeout 30s >"$T/watch" 2>&1 &
wpid=$!
i=0
until grep -q Watching "$T/watch" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt $((100 * SLOW)) ] && fail "watch did not start"
	sleep 0.05
done
remove 0
wait $wpid || fail "watch exit $?"
grep -Eq "^20[0-9-]+T[0-9:.]+Z +\+ *[0-9]+\.[0-9]{3}s +CARD_REMOVED +'Virtual PCD 00 00'" \
    "$T/watch" || { cat "$T/watch" >&2; fail "human watch line"; }
ok "watch prints a timestamped line per event"

expect 0 sclogin watch --timeout 300ms
has 'Watching'
ok "watch --timeout alone ends with 0"
expect 6 sclogin watch --timeout 300ms --count 1
has_err 'saw 0 of 1 events'
ok "watch --count with a timeout first exits 6"
expect 2 sclogin watch --timeout 1h
expect 2 sclogin watch --count 0
ok "watch rejects bad bounds"

sclogin watch --json --count 1 --timeout 30s >"$T/watch" 2>&1 &
wpid=$!
i=0
until grep -q SNAPSHOT "$T/watch" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt $((100 * SLOW)) ] && fail "watch printed no snapshot"
	sleep 0.05
done
kill "$SCL_RIG_PCSCD_PID"
wait $wpid || fail "watch exit $?"
grep -q '"event":"SERVICE_DOWN"' "$T/watch" || { cat "$T/watch" >&2; fail "no SERVICE_DOWN"; }
ok "watch reports pcscd going away"
i=0
while kill -0 "$SCL_RIG_PCSCD_PID" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect 3 sclogin readers
has_err 'pcscd'
expect 3 sclogin readers --json
json_ok
[ "$(jget 'd["error"]["exit"]')" = 3 ] || fail "JSON error exit"
ok "readers without pcscd exits 3 with a JSON error"
expect 3 sclogin status
ok "status without pcscd exits 3"
done_ok
