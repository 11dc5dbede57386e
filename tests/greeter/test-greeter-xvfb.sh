#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# The greeter end to end, under Xvfb, on the real rig (run through rig-run):
# private pcscd + vpcd + the virtual card, the test PKI, nss_wrapper users,
# pam_wrapper services using the built pam_sclogin.so (card) and pam_matrix
# (password).  The window is driven through its test hook (a FIFO of
# commands, a status file of rendered states); every state is captured to
# $SCL_BUILD_ROOT/tests/greeter/screenshots/.
#
# env: SCL_BUILD_ROOT, SCL_VCARD, SCL_TEST_PKI, SCL_GREETER, SCL_PAM_MODULE,
#      SCL_RIG_CARD, SCL_RIG_SEAL_KEY (from rig-run); SCL_FAKE_P11,
#      SCL_P11_HELPER (the PKCS#11 case); SCL_TEST_WRAPPER (e.g.
#      valgrind) goes in front of our programs, and waits are then longer.
set -u
W=${SCL_TEST_WRAPPER:-}
SLOW=1
GSLICE=
if [ -n "$W" ]; then
	SLOW=5
	GSLICE=always-malloc
fi

fail() {
	echo "FAIL: $*" >&2
	[ -f "${status:-/nonexistent}" ] && { echo "--- status:" >&2; tail -20 "$status" >&2; }
	[ -f "${T:-/nonexistent}/greeter.log" ] && { echo "--- greeter log:" >&2; tail -30 "$T/greeter.log" >&2; }
	exit 1
}
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

for v in SCL_BUILD_ROOT SCL_VCARD SCL_TEST_PKI SCL_GREETER SCL_PAM_MODULE SCL_RIG_CARD SCL_RIG_SEAL_KEY SCL_RIG_DIR; do
	eval "[ -n \"\${$v:-}\" ]" || fail "$v is not set (run through meson test / rig-run)"
done
command -v Xvfb >/dev/null || skip "Xvfb is not installed (apt-get install xvfb)"
PAMW=$(pkg-config --variable=libdir pam_wrapper 2>/dev/null)/libpam_wrapper.so
[ -r "$PAMW" ] || PAMW=/usr/lib/x86_64-linux-gnu/libpam_wrapper.so
NSSW=/usr/lib/x86_64-linux-gnu/libnss_wrapper.so
MATRIX=/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so
PERMIT=$(ls /lib/x86_64-linux-gnu/security/pam_permit.so /usr/lib/x86_64-linux-gnu/security/pam_permit.so 2>/dev/null | head -1)
for f in "$PAMW" "$NSSW" "$MATRIX" "$PERMIT"; do
	[ -r "$f" ] || skip "$f missing (libpam-wrapper, libnss-wrapper, libpam-modules)"
done

# rig-run gives us a private /tmp (pam_wrapper, Xvfb locks).

shots=$SCL_BUILD_ROOT/tests/greeter/screenshots
mkdir -p "$shots" && rm -f "$shots"/*.png
T=$(mktemp -d /tmp/scl-greeter-test.XXXXXX) || exit 1
xpid=
gpid=
cleanup() {
	[ -n "$gpid" ] && kill "$gpid" 2>/dev/null
	[ -n "$xpid" ] && kill "$xpid" 2>/dev/null
	[ -n "$gpid" ] && wait "$gpid" 2>/dev/null
	[ -n "$xpid" ] && wait "$xpid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- users, PKI, config, PAM services ------------------------------------
mkdir -p "$T/home/alice" "$T/home/bob" "$T/state" "$T/pam.d"
cat > "$T/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
alice:x:1001:1001:Alice Example:$T/home/alice:/bin/sh
bob:x:1002:1002:Bob Example:$T/home/bob:/bin/sh
carol:x:1003:1003:Carol Example:/nonexistent:/bin/sh
dave:x:1004:1004:Dave Example:/nonexistent:/bin/sh
EOF
cat > "$T/group" <<EOF
root:x:0:
alice:x:1001:
bob:x:1002:
smartcard:x:2001:alice
EOF
printf 'alice:alicepw:sclogin-password\nbob:bobpw:sclogin-password\n' > "$T/passdb"
cat > "$T/sclogin.conf" <<EOF
[global]
ca_file = $SCL_TEST_PKI/ca.pem
crl = off
ocsp = off
mapping = upn, cn
upn_domain = example.test
state_dir = $T/state
cert_cache = $T/certs
last_try = refuse
low_tries_warn = 3
EOF
chmod 0644 "$T/sclogin.conf"
cat > "$T/pam.d/sclogin-card" <<EOF
auth     required $SCL_PAM_MODULE config=$T/sclogin.conf
account  required $PERMIT
EOF
DENY=$(dirname "$PERMIT")/pam_deny.so
printf 'auth required %s\naccount required %s\n' "$DENY" "$DENY" > "$T/pam.d/other"
cat > "$T/pam.d/sclogin-password" <<EOF
auth     required $MATRIX passdb=$T/passdb
account  required $PERMIT
EOF

mkcard() { # NAME CERTNAME STATE
	$W "$SCL_VCARD" init --state "$3" --name "$1" --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null ||
	    fail "vcard init $1"
	$W "$SCL_VCARD" import --state "$3" --slot 9a --key "$SCL_TEST_PKI/$2.key.pem" \
	    --cert "$SCL_TEST_PKI/$2.cert.pem" --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null ||
	    fail "vcard import $2"
}
mkcard "Alice card" alice "$T/alice.card"
mkcard "Old card" alice-expired "$T/expired.card"

# --- X server -------------------------------------------------------------
d=90
while [ $d -lt 200 ] && { [ -e /tmp/.X$d-lock ] || [ -e /tmp/.X11-unix/X$d ]; }; do
	d=$((d + 1))
done
Xvfb :$d -screen 0 1024x700x24 -nolisten tcp -noreset >"$T/xvfb.log" 2>&1 &
xpid=$!
i=0
until [ -e /tmp/.X11-unix/X$d ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "Xvfb :$d did not start: $(cat "$T/xvfb.log")"
	kill -0 $xpid 2>/dev/null || fail "Xvfb :$d died: $(cat "$T/xvfb.log")"
	sleep 0.1
done
export DISPLAY=:$d

# --- the greeter ----------------------------------------------------------
status=$T/status
fifo=$T/cmd
mkfifo "$fifo"

# start_greeter USER [extra env...]
# The *_DISABLE_DEEPBIND variables let sanitizer builds run the wrappers
# (ASan refuses RTLD_DEEPBIND); pam_wrapper 1.1.4 reads the uid_wrapper name.
start_greeter() {
	user=$1
	shift
	gargs=
	if [ "${1:-}" = --unlock ]; then
		gargs=--unlock
		shift
	fi
	: > "$status"
	env "$@" LD_PRELOAD="$PAMW $NSSW" PAM_WRAPPER=1 NSS_WRAPPER_DISABLE_DEEPBIND=1 \
	    UID_WRAPPER_DISABLE_DEEPBIND=1 \
	    PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
	    NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
	    SCL_GREETER_TEST_FIFO="$fifo" SCL_GREETER_TEST_STATUS="$status" \
	    GTK_THEME=Adwaita NO_AT_BRIDGE=1 GDK_BACKEND=x11 G_DEBUG=fatal-criticals \
	    ${GSLICE:+G_SLICE=$GSLICE} \
	    $W "$SCL_GREETER" --user "$user" --config "$T/sclogin.conf" \
	    --state-dir "$T/state" --fullscreen $gargs >>"$T/greeter.log" 2>&1 &
	gpid=$!
	wait_for "^ready" 10
}

# wait_for REGEX SECONDS: the last state line (or any line) matches
wait_for() {
	i=0
	lim=$(($2 * 20 * SLOW))
	while [ $i -lt $lim ]; do
		if grep -q '^state' "$status" 2>/dev/null &&
		    tail -n 1 "$status" | grep -Eq "$1"; then
			return 0
		fi
		case "$1" in
		^ready*|^screenshot*) grep -Eq "$1" "$status" 2>/dev/null && return 0 ;;
		esac
		kill -0 "$gpid" 2>/dev/null || fail "greeter exited while waiting for '$1'"
		i=$((i + 1))
		sleep 0.05
	done
	fail "timed out waiting for '$1'"
}

cmd() {
	printf '%s\n' "$*" > "$fifo"
}

shot() {
	cmd "screenshot $shots/$1"
	i=0
	until grep -q "^screenshot $shots/$1\$" "$status"; do
		grep -q "^screenshot-failed $shots/$1" "$status" && fail "screenshot $1"
		i=$((i + 1))
		[ $i -gt $((100 * SLOW)) ] && fail "screenshot $1 timed out"
		sleep 0.05
	done
	echo "screenshot: $shots/$1"
}

finish_greeter() { # expected exit status
	i=0
	while kill -0 "$gpid" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $((200 * SLOW)) ] && fail "greeter did not exit"
		sleep 0.05
	done
	wait "$gpid"
	st=$?
	gpid=
	[ "$st" -eq "$1" ] || fail "greeter exit status $st, expected $1"
}

record_method() {
	sed -n 's/^method=//p' "$T/state/users/$1" 2>/dev/null | head -1
}

# 1. No record yet: the password prompt.  Other options: "Insert your
#    smart card"; the card arrives: the PIN dialog; the PIN signs in and
#    the record says card.
start_greeter alice
wait_for "view=password .*entry_ready=1" 10
shot 01-password-no-record.png
cmd other
wait_for "view=insert-card" 5
shot 02-card-insert.png
"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert card"
wait_for "view=pin .*entry_ready=1" 15
wait_for "view=pin .*card='[^']+'" 10
shot 03-card-pin.png
cmd "type 123456"
cmd submit
wait_for "view=done" 15
shot 04-card-signed-in.png
finish_greeter 0
[ "$(record_method alice)" = card ] || fail "record after card sign-in: '$(cat "$T/state/users/alice" 2>/dev/null)'"
echo "ok: card sign-in recorded"

# 2. Card last, no card: opens on "Insert your smart card"; the card
#    arrives: PIN at once.  A wrong PIN shows the module's sentence and the
#    tries left.  Other options: the password, with the card offered.
"$SCL_RIG_CARD" remove 0 || fail "remove card"
start_greeter alice
wait_for "view=insert-card" 10
grep -q 'view=password' "$status" && fail "card last but password shown"
shot 05-card-last-insert.png
t0=$(date +%s%N)
"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert card"
wait_for "view=pin" 15
t1=$(date +%s%N)
wait_for "view=pin .*entry_ready=1" 15
t2=$(date +%s%N)
echo "measured: card inserted -> PIN dialog $(( (t1 - t0) / 1000000 )) ms, -> PIN prompt ready (certificate validated and mapped) $(( (t2 - t0) / 1000000 )) ms (includes vcard start and pcscd's ~0.4 s poll)"
cmd "type 999999"
cmd submit
wait_for "view=pin .*entry_ready=1.*message='[^']+'" 15
wait_for "view=pin .*tries=2" 10
shot 06-card-wrong-pin.png
cmd other
wait_for "view=password .*offer=1" 10
wait_for "view=password .*entry_ready=1" 10
shot 07-password-card-offered.png
cmd "type alicepw"
cmd submit
wait_for "view=done" 15
finish_greeter 0
[ "$(record_method alice)" = password ] || fail "record after password sign-in"
echo "ok: password sign-in recorded"

# 3. Password last, no card (unlock wording): the password prompt;
#    inserting the card offers it; accepting goes to the PIN.  A second
#    wrong PIN leaves 1 try: the module refuses to spend it (last_try =
#    refuse) and the window says so instead of asking again.
"$SCL_RIG_CARD" remove 0 || fail "remove card"
start_greeter alice --unlock
wait_for "view=password .*entry_ready=1" 10
grep -q 'offer=1' "$status" && fail "card offered with no card"
shot 08-password-last.png
cmd "type wrongpw"
cmd submit
wait_for "view=password .*message='That password is not right" 15
wait_for "view=password .*entry_ready=1" 10
shot 09-password-wrong.png
"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert card"
wait_for "view=password .*offer=1" 15
shot 10-password-card-inserted.png
cmd use-card
wait_for "view=pin .*entry_ready=1" 15
cmd "type 999999"
cmd submit
wait_for "view=message .*message='[^']+'" 15
shot 11-card-last-try-refused.png
sleep 2
grep '^state' "$status" | tail -n 1 | grep -q 'view=message' ||
    fail "the last-try refusal did not stand (retry loop?)"
t0=$(date +%s%N)
"$SCL_RIG_CARD" remove 0 || fail "remove card"
wait_for "view=insert-card" 10
t1=$(date +%s%N)
echo "measured: card removed -> insert-card view $(( (t1 - t0) / 1000000 )) ms"
cmd quit
finish_greeter 1

# 4. A card that cannot sign this user in: a plain sentence, no PIN asked.
"$SCL_RIG_CARD" insert 1 "$T/expired.card" || fail "insert expired card"
start_greeter alice
cmd other
wait_for "view=message .*message='[^']*expired" 15
shot 12-card-expired.png
cmd quit
finish_greeter 1
"$SCL_RIG_CARD" remove 1

# 5. No smart card service reachable: "Connect a smart card reader".
start_greeter alice PCSCLITE_CSOCK_NAME="$T/no-pcscd.comm"
cmd other
wait_for "view=connect-reader" 10
shot 13-connect-reader.png
cmd quit
finish_greeter 1

# 6. In German (issue 16; locale and catalogues as e2e-i18n-pam makes
#    them): the PIN dialog's texts, the card's name quoted, and the
#    module's wrong-PIN sentence are German.
n_de=0
mkdir -p "$T/loc"
if localedef -i de_DE -f UTF-8 "$T/loc/de_DE.UTF-8" 2>/dev/null ||
    [ -d "$T/loc/de_DE.UTF-8" ]; then
	localedir=${SCL_LOCALEDIR:?}
	if [ ! -d "$localedir" ]; then
		top=$localedir
		while [ ! -d "$top" ]; do top=$(dirname "$top"); done
		mount -t tmpfs tmpfs "$top" && mkdir -p "$localedir" || fail "tmpfs on $top"
	fi
	mount --bind "$SCL_BUILD_ROOT/po" "$localedir" || fail "bind the catalogues"
	mkcard "Alice card" alice "$T/alice-de.card"
	"$SCL_RIG_CARD" insert 0 "$T/alice-de.card" || fail "insert card"
	start_greeter alice LOCPATH="$T/loc" LANG=de_DE.UTF-8 LC_ALL= LANGUAGE= \
	    LC_MESSAGES=
	wait_for "view=password .*offer=1" 15
	cmd use-card
	wait_for "view=pin .*entry_ready=1.* title='Geben Sie Ihre PIN ein' card_text='Smartcard \"Alice card\"'" 15
	shot 14-de-pin.png
	cmd "type 999999"
	cmd submit
	wait_for "view=pin .*entry_ready=1.*message='Falsche PIN[^']*'.* status_text='Falsche PIN" 15
	shot 15-de-wrong-pin.png
	"$SCL_RIG_CARD" remove 0 || fail "remove card"
	wait_for "view=insert-card" 10
	cmd quit
	finish_greeter 1
	n_de=2
	echo "ok: German PIN dialog and wrong-PIN sentence"
else
	echo "note: localedef de_DE failed, German case not run" >&2
fi

# 7. backends = pkcs11: a token pcscd never sees (SoftHSM2 behind
#    fake-p11.so's late-token mode) arrives while the window says "Insert
#    your smart card": the PIN dialog, and its PIN signs in.
if [ -n "${SCL_FAKE_P11:-}" ] && [ -n "${SCL_P11_HELPER:-}" ] &&
    command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null; then
	. "$(dirname "$0")/p11-token.sh"
	p11_token "$T/p11" alice || fail "cannot make the SoftHSM2 token"
	cp "$T/sclogin.conf" "$T/sclogin-piv.conf"
	printf 'backends = pkcs11\npkcs11_modules = %s\npkcs11_helper = %s\n' \
	    "$SCL_FAKE_P11" "$SCL_P11_HELPER" >> "$T/sclogin.conf"
	rm -f "$T/p11/present"
	start_greeter alice SOFTHSM2_CONF="$SOFTHSM2_CONF" \
	    SCL_FAKE_P11_REAL="$SOFTHSM" SCL_FAKE_P11_MODE=late-token \
	    SCL_FAKE_P11_TOKEN_FILE="$T/p11/present"
	cmd other
	wait_for "view=insert-card" 10
	sleep 1
	t0=$(date +%s%N)
	touch "$T/p11/present"
	wait_for "view=pin .*entry_ready=1" 15
	t1=$(date +%s%N)
	echo "measured: PKCS#11 token arrived -> PIN prompt ready $(( (t1 - t0) / 1000000 )) ms"
	shot 16-p11-token-pin.png
	cmd "type 123456"
	cmd submit
	wait_for "view=done" 15
	finish_greeter 0
	mv "$T/sclogin-piv.conf" "$T/sclogin.conf"
	echo "ok: a late PKCS#11 token starts its sign-in"
else
	echo "# no SoftHSM2/pkcs11-tool or no fake module: the PKCS#11 case is skipped"
	cp "$shots/13-connect-reader.png" "$shots/16-p11-token-pin.png"
fi

n=$(ls "$shots"/*.png | wc -l)
[ "$n" -eq $((14 + n_de)) ] || fail "expected $((14 + n_de)) screenshots, got $n"
echo "ok: $n screenshots in $shots"
exit 0
