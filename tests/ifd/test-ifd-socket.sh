#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# sclogin's reader driver (ifd/) in a real pcscd (rig-run with
# SCL_RIG_SOCKET_IFD): alice signs in through the real PAM stack on a card
# behind the socket reader; a process that is not root cannot fill the
# reader (plain uid 65534: the folder is root-only; uid 65534 with
# CAP_DAC_OVERRIDE: SO_PEERCRED refuses it, reason=PEER), not even while
# the card daemon is down between a kill and its restart; the card refuses
# a socket that a non-root process listens on; pcscd refuses a reader whose
# folder is not root-only (reason=DIR).  The vcard and pam-client run under
# $SCL_TEST_WRAPPER.
set -u
if [ -z "${SCL_RIG_DIR:-}" ]; then
	export SCL_RIG_SOCKET_IFD=$SCL_BUILD_ROOT/ifd/libifd-sclogin.so
	exec sh "$SCL_RIG_RUN" -- sh "$0" "$@"
fi
command -v setpriv >/dev/null 2>&1 || { echo "SKIP: no setpriv" >&2; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: no python3" >&2; exit 77; }
S=$SCL_SOURCE_ROOT
B=$SCL_BUILD_ROOT
D=$SCL_RIG_DIR
V=$SCL_VCARD
W=${SCL_TEST_WRAPPER:-}
SLOW=1
[ -n "$W" ] && SLOW=5
READER="sclogin Virtual Card 00 00"
INTRUDER="/usr/bin/python3 $S/tests/ifd/intruder.py"
NOBODY="setpriv --reuid 65534 --regid 65534 --clear-groups"
NOBODY_DAC="$NOBODY --inh-caps +dac_override --ambient-caps +dac_override"
failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
# expect DESCRIPTION PATTERN CMD...: pass when CMD's output matches
expect() {
	d=$1; p=$2; shift 2
	"$@" >"$D/out" 2>&1
	if grep -q -- "$p" "$D/out"; then ok "$d"; else
		not_ok "$d (no '$p')"; sed 's/^/#   /' "$D/out"; fi
}
# present yes|no: wait (bounded) until the socket reader shows it
present() {
	want=Yes; [ "$1" = no ] && want=No
	i=0
	while [ $i -lt $((100 * SLOW)) ]; do
		got=$(opensc-tool -l 2>/dev/null | awk -v n="$READER" \
		    'index($0, n) { print $2 }')
		[ "$got" = "$want" ] && return 0
		i=$((i + 1)); sleep 0.1
	done
	return 1
}
start_card() {
	$W "$V" run --state "$D/alice.card" --seal-key "$SCL_RIG_SEAL_KEY" \
	    --socket "$SCL_RIG_SOCKET" >>"$D/card0.log" 2>&1 &
	card=$!
}

sh "$S/tests/pki/mkpki.sh" "$D/pki" >/dev/null || exit 1
$W "$V" init --state "$D/alice.card" --seal-key "$SCL_RIG_SEAL_KEY" \
    >/dev/null || exit 1
$W "$V" import --state "$D/alice.card" --slot 9a --key "$D/pki/alice.key.pem" \
    --cert "$D/pki/alice.cert.pem" --seal-key "$SCL_RIG_SEAL_KEY" \
    >/dev/null || exit 1

expect "the reader's folder is root-only" "drwx------ .* root root" \
    ls -ld "$(dirname "$SCL_RIG_SOCKET")"
expect "uid 65534 cannot reach the socket" "unreachable" \
    $NOBODY $INTRUDER "$SCL_RIG_SOCKET"
expect "uid 65534 past the folder (CAP_DAC_OVERRIDE) is refused" "refused" \
    $NOBODY_DAC $INTRUDER "$SCL_RIG_SOCKET"
expect "pcscd logged it with reason=PEER" "reason=PEER uid 65534" \
    cat "$D/pcscd.log"
if present no; then ok "the reader stayed empty"; else not_ok "the reader stayed empty"; fi

start_card
if present yes; then ok "root's card fills the socket reader"; else
	not_ok "root's card fills the socket reader"; fi

# Users, sclogin.conf and a PAM service, as in tests/pam/demo.sh.
mkdir -p "$D/pam.d" "$D/state" "$D/cache"
printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1001:1001:Alice:/nonexistent:/bin/sh\n' \
    >"$D/passwd"
printf 'root:x:0:\nalice:x:1001:\n' >"$D/group"
cat >"$D/sclogin.conf" <<CONF
[global]
ca_file = $D/pki/ca.pem
mapfile = $D/pki/mapfile
mapping = upn, mapfile, cn
upn_domain = example.test
state_dir = $D/state
cert_cache = $D/certs
crl_cache_dir = $D/cache
crl = hard-fail
crl_dir = $D/pki/crl
ocsp = off
CONF
printf 'auth required %s config=%s\naccount required pam_permit.so\n' \
    "$B/pam/pam_sclogin.so" "$D/sclogin.conf" >"$D/pam.d/sclogin-ifd"
chmod 0644 "$D/sclogin.conf" "$D/pam.d/sclogin-ifd"
signin() {
	LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=$D/passwd \
	    NSS_WRAPPER_GROUP=$D/group $W "$B/tests/pam/pam-client" \
	    --confdir "$D/pam.d" --service sclogin-ifd --user alice \
	    --pin 123456
}
expect "alice signs in through PAM on the socket reader" "signed in as 'alice'" signin

# The card daemon dies: pcscd keeps the socket; nobody else gets in while
# the card is down, and the restarted card is served again.
kill -KILL "$card"
wait "$card" 2>/dev/null
if present no; then ok "the killed card is gone"; else not_ok "the killed card is gone"; fi
expect "while the card is down, uid 65534 is refused" "refused" \
    $NOBODY_DAC $INTRUDER "$SCL_RIG_SOCKET"
expect "the socket stayed pcscd's" "srw------- .* root root" ls -l "$SCL_RIG_SOCKET"
start_card
if present yes; then ok "the restarted card is back"; else not_ok "the restarted card is back"; fi
expect "alice signs in again" "signed in as 'alice'" signin
expect "a second card is turned away from the full reader" "refused" \
    $INTRUDER "$SCL_RIG_SOCKET"
kill -TERM "$card"
wait "$card" 2>/dev/null

# The card side: a socket that a non-root process listens on is refused.
mkdir -m 0777 /tmp/scl-ifd-fake
$NOBODY /usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(8)' \
    /tmp/scl-ifd-fake/reader0 &
fake=$!
i=0; while [ ! -S /tmp/scl-ifd-fake/reader0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
timeout $((4 * SLOW)) $W "$V" run --state "$D/alice.card" --seal-key \
    "$SCL_RIG_SEAL_KEY" --socket /tmp/scl-ifd-fake/reader0 >"$D/fake.log" 2>&1
expect "the card refuses a reader run by uid 65534" "reason=PEER" cat "$D/fake.log"
kill "$fake" 2>/dev/null
wait "$fake" 2>/dev/null

# pcscd side: a reader whose folder is not root-only is refused.
mkdir -m 0755 "$D/open"
cat >"$D/reader.conf.d/sclogin-open" <<CONF
FRIENDLYNAME "sclogin Open"
DEVICENAME unix:$D/open/reader0
LIBPATH $SCL_RIG_SOCKET_IFD
CONF
kill "$(cat "$D/pcscd.pid")"
i=0
while kill -0 "$(cat "$D/pcscd.pid")" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
pcscd -f -c "$D/reader.conf.d" >>"$D/pcscd.log" 2>&1 &
echo $! >"$D/pcscd.pid"
i=0
until opensc-tool -l 2>/dev/null | grep -q "$READER" || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect "pcscd refuses a reader in a folder others can read: reason=DIR" \
    "reason=DIR" cat "$D/pcscd.log"
if opensc-tool -l 2>/dev/null | grep -q "sclogin Open"; then
	not_ok "the open reader is not listed"; else ok "the open reader is not listed"; fi
if [ ! -e "$D/open/reader0" ]; then ok "and no socket was made there"; else
	not_ok "and no socket was made there"; fi

if [ "$failures" -ne 0 ]; then
	echo "# $failures check(s) failed; card log:"
	sed 's/^/#   /' "$D/card0.log" | tail -n 30
	grep sclogin "$D/pcscd.log" | sed 's/^/#   /' | tail -n 30
	exit 1
fi
exit 0
