#!/bin/sh
# The shell rig: a card inserted with rig-card is visible, removal too, and
# nothing of the private pcscd leaks out.
set -u
if [ -z "${SCL_RIG_DIR:-}" ]; then
	exec "$SCL_RIG_RUN" -- sh "$0" "$@"
fi
set -e
[ -d "$SCL_RIG_DIR" ]
"$SCL_RIG_CARD" readers | grep -q 'Virtual PCD 00 00'
"$SCL_RIG_CARD" insert-cmd 1 "$SCL_RIG_TINYCARD" 40001
"$SCL_RIG_CARD" readers | grep 'Virtual PCD 00 01' | grep -q Yes
"$SCL_RIG_CARD" remove 1
"$SCL_RIG_CARD" readers | grep 'Virtual PCD 00 01' | grep -q No
# Reader hotplug while pcscd runs (issue 6).
"$SCL_RIG_CARD" hotplug
"$SCL_RIG_CARD" readers | grep -q 'Virtual PCD 00 01'
"$SCL_RIG_CARD" insert-cmd 1 "$SCL_RIG_TINYCARD" 40001
"$SCL_RIG_CARD" unplug 1
[ -z "$("$SCL_RIG_CARD" readers)" ]
"$SCL_RIG_CARD" replug 1
"$SCL_RIG_CARD" readers | grep -q 'Virtual PCD 00 00'
"$SCL_RIG_CARD" readers | grep -q 'Virtual PCD 00 01'
echo ok
