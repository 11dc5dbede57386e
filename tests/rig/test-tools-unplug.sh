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
"$SCL_VCARD" init --state "$state" --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
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
events=$(sed -n 's/.*"event": *"\([A-Z_]*\)".*"reader": *"\([^"]*\)".*/\1 \2/p' "$out" | tr '\n' '|')
echo "events: $events"
want='CARD_REMOVED Virtual PCD 00 00|READER_REMOVED Virtual PCD 00 00|READER_REMOVED Virtual PCD 00 01|READER_ADDED Virtual PCD 00 00|READER_ADDED Virtual PCD 00 01|'
case $events in
"$want"CARD_INSERTED\ Virtual\ PCD\ 00\ 00\|) ;;
*) echo "unexpected events (want ${want}CARD_INSERTED ...)" >&2; exit 1 ;;
esac
echo ok
