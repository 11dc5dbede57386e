#!/bin/sh
# Issue 6 through the admin tool: `sclogin watch` reports a reader that is
# unplugged with its card in (CARD_REMOVED, then READER_REMOVED for both
# readers of the device) and plugged back (READER_ADDED, CARD_INSERTED);
# `sclogin readers` lists none while it is out.  Inside a fresh rig-run.
set -u
if [ -z "${SCL_RIG_DIR:-}" ]; then
	exec "$SCL_RIG_RUN" -- sh "$0" "$@"
fi
set -e
sclogin=$SCL_BUILD_ROOT/tools/sclogin
# SCL_TEST_WRAPPER (words, no quoting) goes in front of our programs.
# shellcheck disable=SC2086
run() { ${SCL_TEST_WRAPPER:-} "$@"; }
slow=1
[ -n "$(printf '%s' "${SCL_TEST_WRAPPER:-}" | tr -d ' ')" ] && slow=10

state=$SCL_RIG_DIR/card.state
run "$SCL_VCARD" init --state "$state" --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
"$SCL_RIG_CARD" hotplug
"$SCL_RIG_CARD" insert 0 "$state"

out=$SCL_RIG_DIR/watch.json
run "$sclogin" watch --json --count 6 --timeout $((20 * slow))s >"$out" &
w=$!
# the watch is up once its snapshot line is written
i=0
until grep -q SNAPSHOT "$out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt $((100 * slow)) ] || { echo "watch did not start" >&2; exit 1; }
	sleep 0.1
done
"$SCL_RIG_CARD" unplug 0
[ -z "$("$SCL_RIG_CARD" readers)" ]
run "$sclogin" readers >"$SCL_RIG_DIR/readers.txt" 2>&1 || true
"$SCL_RIG_CARD" replug 0
wait $w
cat "$out"
cat "$SCL_RIG_DIR/readers.txt"
grep -v 'Virtual PCD' "$SCL_RIG_DIR/readers.txt" >/dev/null
if grep -q 'Virtual PCD 00' "$SCL_RIG_DIR/readers.txt"; then
	echo "readers listed while unplugged" >&2
	exit 1
fi
events=$SCL_RIG_DIR/events.txt
sed -n 's/.*"event": *"\([A-Z_]*\)".*"reader": *"\([^"]*\)".*/\1 \2/p' \
    "$out" >"$events"
cat "$events"
# line EVENT: its line number in the event list (exactly once)
line() {
	n=$(grep -c -x "$1" "$events" || true)
	[ "$n" -eq 1 ] || { echo "'$1' seen $n times" >&2; exit 1; }
	grep -n -x "$1" "$events" | cut -d: -f1
}
[ "$(wc -l <"$events")" -eq 6 ]
cr=$(line 'CARD_REMOVED Virtual PCD 00 00')
r0=$(line 'READER_REMOVED Virtual PCD 00 00')
r1=$(line 'READER_REMOVED Virtual PCD 00 01')
a0=$(line 'READER_ADDED Virtual PCD 00 00')
a1=$(line 'READER_ADDED Virtual PCD 00 01')
ci=$(line 'CARD_INSERTED Virtual PCD 00 00')
# monitor.h: a card before its reader goes, a reader before its card comes
[ "$cr" -lt "$r0" ] && [ "$a0" -lt "$ci" ] &&
    [ "$r0" -lt "$a0" ] && [ "$r1" -lt "$a0" ] && [ "$r1" -lt "$a1" ] ||
    { echo "events out of order" >&2; exit 1; }
echo ok
