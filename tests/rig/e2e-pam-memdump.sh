#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Issue 12, the host's memory: on the rig (rig-run) pam-client signs alice
# in through the real Linux-PAM stack and the built pam_sclogin.so, reading
# the PIN unbuffered from a pipe, and then holds (stopped in a read of the
# pipe, alive).  Its whole memory (keyscan.py: /proc/PID/maps + mem) must
# not hold the PIN in ASCII or UTF-16, after a good PIN and after a wrong
# one.  The control: the same sign-in with --keep-copy (the client keeps an
# unwiped ASCII and UTF-16LE copy) must be found, so the scan cannot pass
# by reading nothing.
set -u
S=${SCL_SOURCE_ROOT:?} B=${SCL_BUILD_ROOT:?}
if [ -z "${SCL_RIG_DIR:-}" ]; then
	exec sh "$S/tests/rig/rig-run" -- sh "$0" "$@"
fi
W=${SCL_TEST_WRAPPER:-}
D=$SCL_RIG_DIR/memdump
PKI=$SCL_TEST_PKI
SCAN="python3 $S/tests/vcard/keyscan.py"
PIN=48172639 WRONG=59263704
mkdir -p "$D/pam.d" "$D/state"
cat >"$D/sclogin.conf" <<CONF
[global]
ca_file = $PKI/ca.pem
mapping = mapfile
mapfile = $D/mapfile
crl = off
ocsp = off
state_dir = $D/state
cert_cache = $D/certs
CONF
printf 'alice: sha256:%s\n' "$(openssl x509 -in "$PKI/alice.cert.pem" -noout \
    -fingerprint -sha256 | sed 's/.*=//')" >"$D/mapfile"
printf "auth required $B/pam/pam_sclogin.so config=$D/sclogin.conf\naccount required pam_permit.so\n" >"$D/pam.d/sc-mem"
printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1001:1001:Alice:/nonexistent:/bin/sh\n' >"$D/passwd"
printf 'root:x:0:\nalice:x:1001:\n' >"$D/group"
"$SCL_VCARD" init --state "$D/alice.card" --name "Alice card" --pin "$PIN" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null &&
"$SCL_VCARD" import --state "$D/alice.card" --slot 9a \
    --key "$PKI/alice.key.pem" --cert "$PKI/alice.cert.pem" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null || { echo "cannot make the card"; exit 1; }
"$SCL_RIG_CARD" insert 0 "$D/alice.card" || exit 1

fail=0
# signin NAME PIN WANT_EXIT WANT_SCAN [CLIENT OPTIONS]: one held sign-in,
# then keyscan.py of the client for PIN; its exit must be WANT_SCAN.
signin() {
	name=$1 pin=$2 want=$3 want_scan=$4
	shift 4
	rm -f "$D/in"
	mkfifo "$D/in" || exit 1
	LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=$D/passwd \
	    NSS_WRAPPER_GROUP=$D/group $W "$B/tests/pam/pam-client" \
	    --confdir "$D/pam.d" --service sc-mem --user alice --pin-stdin \
	    --hold "$@" <"$D/in" >"$D/out.$name" 2>&1 &
	client=$!
	exec 3>"$D/in"
	printf '%s\n' "$pin" >&3
	n=0
	until grep -q '^holding' "$D/out.$name"; do
		n=$((n + 1))
		if [ $n -gt 600 ] || ! kill -0 "$client" 2>/dev/null; then
			echo "FAIL: $name: the client did not get to hold"
			cat "$D/out.$name"
			exec 3>&-
			wait "$client"
			fail=1
			return
		fi
		sleep 0.2
	done
	$SCAN "$client" --text "$pin" >"$D/scan.$name" 2>&1
	scan=$?
	exec 3>&-
	wait "$client"
	rc=$?
	cat "$D/out.$name" "$D/scan.$name"
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: $name: pam-client exit $rc, want $want"
		fail=1
	fi
	if [ "$scan" -ne "$want_scan" ]; then
		echo "FAIL: $name: keyscan exit $scan, want $want_scan"
		fail=1
	fi
}

signin good "$PIN" 0 0
grep -q "signed in as 'alice'" "$D/out.good" || { echo "FAIL: good: not signed in"; fail=1; }
signin wrong "$WRONG" 1 0
signin control "$PIN" 0 1 --keep-copy
for enc in ascii utf-16-le; do
	grep -q "found text $enc" "$D/scan.control" ||
	    { echo "FAIL: control: the kept $enc copy was not found"; fail=1; }
done
[ $fail -eq 0 ] && echo ok
exit $fail
