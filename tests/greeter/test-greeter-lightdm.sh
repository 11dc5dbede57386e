#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# sclogin-lightdm-greeter under the real LightDM (Debian's lightdm 1.26),
# end to end on the rig: LightDM starts its X server (Xvfb behind
# $T/bin/xserver, which drops the Xorg-only arguments), runs our greeter as
# its greeter user, and runs PAM itself with a service stacked like
# data/pam.d/sclogin-login (pam_sclogin sufficient, then pam_unix; account
# and session hooks of pam_sclogin too).  The greeter is driven with
# xdotool like a user:
#  1. alice's last method is card: "Insert your smart card";
#  2. her card arrives: pam_sclogin's PIN prompt through LightDM; taken
#     out and back: the conversation is cancelled, a new one asks again;
#  3. a wrong PIN: the greeter says so (2 tries left), no session;
#  4. the right PIN: LightDM authenticates her and runs her session, which
#     records that it runs as alice; pam_sclogin recorded "card";
#  5. LightDM again with the card in: the PIN at once; "Sign in with a
#     password instead": the greeter skips the card (empty PIN answer) and
#     shows pam_unix's prompt; her password signs her in ("password"), and
#     pam_unix's "your password will expire" still reaches her;
#  6. nobody remembered, two users (alice, bob): no user is guessed; her
#     card says who (pam_sclogin's card-only sign-in) and signs her in;
#  7. the same with the password: PAM asks her name, then the password.
#  8. her session cannot start: the greeter says so and a new sign-in begins.
# The greeter's rendered states come from its debug log (G_MESSAGES_DEBUG).
#
# Everything lives in this rig's namespaces: an overlay on /etc (passwd,
# group, pam.d, lightdm, sclogin), a tmpfs on /run/dbus with a private
# system bus (LightDM owns its name there; no logind, no AccountsService),
# a tmpfs on /var/lib/lightdm-data (LightDM's fixed shared data directory).
# Screenshots: <build>/tests/greeter/screenshots-lightdm/; the logs of
# LightDM, the X server, the greeter and the session of the last run:
# <build>/tests/greeter/lightdm-logs/.
#
# Runs itself inside tests/rig/rig-run.  Skips (77) only when lightdm is not
# installed, or (a limit of LightDM, said in the message) in a sanitizer
# build.  SCL_TEST_WRAPPER goes in front of the greeter (through the
# greeter-session's command) and the virtual card; waits are then longer.
# env: SCL_BUILD_ROOT, SCL_LIGHTDM_GREETER, SCL_PAM_MODULE, SCL_VCARD,
#      SCL_TEST_PKI (defaults: the build tree).
set -uo pipefail

src=${SCL_SOURCE_ROOT:-$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}
build=${SCL_BUILD_ROOT:-$src/build}
export SCL_SOURCE_ROOT=$src SCL_BUILD_ROOT=$build
PATH=$PATH:/usr/sbin:/sbin

command -v lightdm >/dev/null 2>&1 ||
    { echo "SKIP: lightdm is not installed (apt-get install lightdm)"; exit 77; }

PAM_MODULE=${SCL_PAM_MODULE:-$build/pam/pam_sclogin.so}
# LightDM's session child (not instrumented) hosts PAM: a sanitizer build of
# pam_sclogin needs the sanitizer runtime loaded first there, and libasan
# preloaded into lightdm (main process or session child) deadlocks in
# glibc's bindtextdomain before it does anything.  This test runs in the
# plain and valgrind runs; the widget and driver the greeter shares, and
# the module, are checked under ASan by the other suites.
if ldd "$PAM_MODULE" 2>/dev/null | grep -q 'libasan\.so'; then
	echo "SKIP: $PAM_MODULE is built with AddressSanitizer; LightDM cannot host it (libasan preloaded into lightdm deadlocks)"
	exit 77
fi

if [ -z "${SCL_RIG_DIR:-}" ]; then
	exec "$src/tests/rig/rig-run" -- bash "$(readlink -f "$0")" "$@"
fi

W=${SCL_TEST_WRAPPER:-}
SLOW=1
GSLICE=
if [ -n "$W" ]; then
	SLOW=5
	GSLICE=always-malloc
fi
GREETER=${SCL_LIGHTDM_GREETER:-$build/greeter/sclogin-lightdm-greeter}
SCL_VCARD=${SCL_VCARD:-$build/vcard/sclogin-vcard}
export SCL_VCARD
shots=$build/tests/greeter/screenshots-lightdm
logs=$build/tests/greeter/lightdm-logs

T=$(mktemp -d /tmp/scl-lightdm.XXXXXX) || exit 1
chmod 0755 "$T"
ldm_pid=
bus_pid=
run=none
glog=$T/log/seat0-greeter.log
llog=$T/log/lightdm.log

fail() {
	echo "FAIL: $*" >&2
	ps -eo pid,ppid,stat,wchan:20,args >&2
	for f in "$llog" "$glog" "$T/log/x-0.log" "$T/lightdm.out" "$T/dbus.log"; do
		[ -s "$f" ] && { echo "--- $f:" >&2; tail -n 40 "$f" >&2; }
	done
	exit 1
}

# stop_lightdm: LightDM stops its session, greeter and X server on SIGTERM
# (whatever is left dies with the rig's PID namespace); its logs are kept
# as <build>/tests/greeter/lightdm-logs/RUN-*
stop_lightdm() {
	local i=0 f
	[ -n "$ldm_pid" ] || return 0
	kill "$ldm_pid" 2>/dev/null
	while kill -0 "$ldm_pid" 2>/dev/null && [ $i -lt $((100 * SLOW)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$ldm_pid" 2>/dev/null
	wait "$ldm_pid" 2>/dev/null
	ldm_pid=
	for f in "$T"/log/* "$T/lightdm.out" "$T/session.out"; do
		[ -f "$f" ] && cp "$f" "$logs/$run-$(basename "$f")"
	done
	rm -f "$T"/log/* "$T/lightdm.out"
	: > "$T/session.out"
}

cleanup() {
	stop_lightdm
	if [ -n "$bus_pid" ]; then
		kill "$bus_pid" 2>/dev/null
		wait "$bus_pid" 2>/dev/null
	fi
	for m in /var/lib/lightdm-data /run/dbus /etc; do
		mountpoint -q "$m" && umount -l "$m"
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for p in "$GREETER" "$SCL_VCARD"; do
	[ -x "$p" ] || fail "$p is not built"
done
[ -f "$PAM_MODULE" ] || fail "$PAM_MODULE is not built"
for c in Xvfb xdotool dbus-daemon; do
	command -v $c >/dev/null || fail "$c is not installed"
done

# wait_file FILE REGEX SECONDS: a line of FILE matches (LightDM alive)
wait_file() {
	local i=0 lim=$(($3 * 10 * SLOW))
	while [ $i -lt $lim ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$ldm_pid" 2>/dev/null || fail "lightdm exited while waiting for '$2'"
		i=$((i + 1))
		sleep 0.1
	done
	fail "timed out (${3}s x $SLOW) waiting for '$2' in $(basename "$1")"
}

# greeter_state: the greeter's last rendered state (G_MESSAGES_DEBUG log)
greeter_state() {
	grep -a ' view=' "$glog" 2>/dev/null | tail -n 1 | sed 's/.* view=/view=/'
}

# wait_state REGEX SECONDS: the greeter's last state matches
wait_state() {
	local i=0 lim=$(($2 * 10 * SLOW))
	while [ $i -lt $lim ]; do
		greeter_state | grep -Eq -- "$1" && return 0
		kill -0 "$ldm_pid" 2>/dev/null || fail "lightdm exited while waiting for '$1'"
		i=$((i + 1))
		sleep 0.1
	done
	fail "timed out (${2}s x $SLOW) waiting for greeter state '$1' (last: $(greeter_state))"
}

# alice_session: LightDM authenticated alice and her session runs as her
alice_session() {
	wait_file "$llog" "Authenticate result for user alice: Success" 30
	wait_file "$T/session.out" "^session " 30
	grep -qx "session uid=1001 user=alice display=:0" "$T/session.out" ||
	    fail "session ran as: $(cat "$T/session.out")"
}

record_method() {
	sed -n 's/^method=//p' "$T/state/users/alice" 2>/dev/null
}

# greeter_memory METHOD: what the greeter remembers for alice
greeter_memory() {
	grep -qx "alice=$1" "$T/home/lightdm/.cache/sclogin-greeter/last-method.ini" ||
	    fail "the greeter remembers: $(cat "$T/home/lightdm/.cache/sclogin-greeter/last-method.ini")"
}

# greeter_clean: the greeter logged no warning of its own, nothing fatal
greeter_clean() {
	if grep -aE 'scl-greeter-(WARNING|CRITICAL)|CRITICAL \*\*' "$glog"; then
		fail "the greeter logged warnings"
	fi
}

shot() {
	command -v import >/dev/null || return 0
	timeout 30 import -display :0 -window root "$shots/$1" 2>/dev/null ||
	    echo "warning: screenshot $1 failed" >&2
	echo "screenshot: $shots/$1"
}

# type_secret TEXT: like a user at the keyboard, then Return (the pointer on
# the window, no window manager: the focus follows it)
type_secret() {
	xdotool mousemove 512 350 || fail "xdotool mousemove"
	xdotool type --delay 40 "$1" || fail "xdotool type"
	xdotool key Return || fail "xdotool key Return"
}

# --- a private /etc (overlay, this mount namespace only) ------------------
mkdir -p "$T/etc-up" "$T/etc-work"
mount -t overlay overlay \
    -o "lowerdir=/etc,upperdir=$T/etc-up,workdir=$T/etc-work" /etc ||
    fail "cannot mount an overlay over /etc"

mkdir -p "$T/home/alice" "$T/home/lightdm" "$T/log" "$T/run" "$T/cache" \
    "$T/bin" "$T/xgreeters" "$T/xsessions" "$T/state" "$T/dbus" "$shots" \
    "$logs"
rm -f "$shots"/*.png "$logs"/*
# glibc's files backend over the overlay's passwd and group: LightDM, its
# session child and the greeter all see the same users
cat > /etc/passwd <<EOF
root:x:0:0:root:/root:/bin/sh
lightdm:x:990:990:Light Display Manager:$T/home/lightdm:/bin/false
alice:x:1001:1001:Alice Example:$T/home/alice:/bin/sh
bob:x:1002:1002:Bob Example:$T/home/bob:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > /etc/group <<EOF
root:x:0:
lightdm:x:990:
alice:x:1001:
bob:x:1002:
smartcard:x:2001:alice
nogroup:x:65534:
EOF
chown 1001:1001 "$T/home/alice"
# alice's password (pam_unix, the fallback after the card); it expires in 2
# days, so pam_unix's account step warns her
today=$(($(date +%s) / 86400))
cat > /etc/shadow <<EOF
root:*:19000:0:99999:7:::
lightdm:*:19000:0:99999:7:::
alice:$(openssl passwd -6 -salt scltest alicepw):$((today - 88)):0:90:7:::
bob:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
chmod 0640 /etc/shadow

# --- PKI, alice's card, pam_sclogin ---------------------------------------
pki=$T/pki
if [ -n "${SCL_TEST_PKI:-}" ] && [ -f "$SCL_TEST_PKI/alice.cert.pem" ]; then
	cp -r "$SCL_TEST_PKI" "$pki"
elif [ -f "$build/tests/pki/alice.cert.pem" ]; then
	cp -r "$build/tests/pki" "$pki"
else
	sh "$src/tests/pki/mkpki.sh" "$pki" >/dev/null || fail "mkpki.sh"
fi
chmod 0755 "$pki"
$W "$SCL_VCARD" init --state "$T/alice.card" --name "Alice card" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null || fail "vcard init"
$W "$SCL_VCARD" import --state "$T/alice.card" --slot 9a \
    --key "$pki/alice.key.pem" --cert "$pki/alice.cert.pem" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null || fail "vcard import"

# The greeter reads the default config path (the card probe), as installed.
mkdir -p /etc/sclogin
cat > /etc/sclogin/sclogin.conf <<EOF
[global]
ca_file = $pki/ca.pem
crl = off
ocsp = off
mapping = upn, cn
upn_domain = example.test
state_dir = $T/state
cert_cache = $T/certs
EOF
chmod 0644 /etc/sclogin/sclogin.conf

# Alice signed in with her card last time: the greeter's own memory (the
# system record is root's 0700 directory, which the greeter user cannot read).
mkdir -p "$T/home/lightdm/.cache/sclogin-greeter"
printf '[last-method]\nalice=card\n[greeter]\nlast-user=alice\n' \
    > "$T/home/lightdm/.cache/sclogin-greeter/last-method.ini"
chown -R 990:990 "$T/home/lightdm"

# LightDM's services: data/pam.d/sclogin-login (pam_unix standing in for
# common-auth), pam_permit for the greeter user, no autologin.
cat > /etc/pam.d/sclogin-lightdm <<EOF
auth     sufficient $PAM_MODULE config=/etc/sclogin/sclogin.conf
auth     required   pam_unix.so
account  required   $PAM_MODULE config=/etc/sclogin/sclogin.conf
account  required   pam_unix.so
session  optional   $PAM_MODULE config=/etc/sclogin/sclogin.conf
session  required   pam_permit.so
password required   pam_deny.so
EOF
cat > /etc/pam.d/sclogin-lightdm-greeter <<EOF
auth     required pam_permit.so
account  required pam_permit.so
session  required pam_permit.so
password required pam_deny.so
EOF
printf '%s required pam_deny.so\n' auth account session password \
    > /etc/pam.d/sclogin-lightdm-autologin

# --- LightDM's programs: X server, greeter, session -----------------------
cat > "$T/bin/xserver" <<EOF
#!/bin/sh
# LightDM's X server command: Xvfb, without the Xorg-only arguments
echo "xserver: \$*" >&2
args=
while [ \$# -gt 0 ]; do
	case \$1 in
	-seat) shift ;;
	vt[0-9]*|-novtswitch|-keeptty) ;;
	*) args="\$args \$1" ;;
	esac
	shift
done
exec Xvfb -screen 0 1024x700x24 \$args
EOF
cat > "$T/bin/greeter" <<EOF
#!/bin/sh
# LightDM clears the environment: what the greeter needs is written here.
# GLib logs debug messages on stdout: into LightDM's greeter log with stderr.
exec >&2
export GTK_THEME=Adwaita NO_AT_BRIDGE=1 GDK_BACKEND=x11
export G_MESSAGES_DEBUG=scl-greeter G_DEBUG=fatal-criticals
${GSLICE:+export G_SLICE=$GSLICE}
${ASAN_OPTIONS:+export ASAN_OPTIONS=$ASAN_OPTIONS}
${UBSAN_OPTIONS:+export UBSAN_OPTIONS=$UBSAN_OPTIONS}
exec $W $GREETER "\$@"
EOF
cat > "$T/xgreeters/sclogin-test.desktop" <<EOF
[Desktop Entry]
Name=sclogin test greeter
Exec=$T/bin/greeter
Type=Application
EOF
cat > "$T/bin/session" <<EOF
#!/bin/sh
echo "session uid=\$(id -u) user=\$(id -un) display=\$DISPLAY" >> $T/session.out
exec sleep 600
EOF
cat > "$T/bin/session-wrapper" <<EOF
#!/bin/sh
exec "\$@"
EOF
cat > "$T/xsessions/sclogin-test-session.desktop" <<EOF
[Desktop Entry]
Name=sclogin test session
Exec=$T/bin/session
Type=Application
EOF
chmod 0755 "$T/bin/"*
: > "$T/session.out"
chmod 0666 "$T/session.out"

rm -rf /etc/lightdm/lightdm.conf.d
cat > /etc/lightdm/lightdm.conf <<EOF
[LightDM]
run-directory=$T/run
cache-directory=$T/cache
log-directory=$T/log
greeter-user=lightdm
greeters-directory=$T/xgreeters
sessions-directory=$T/xsessions
remote-sessions-directory=$T/xsessions
backup-logs=false
user-authority-in-system-dir=true

[Seat:*]
type=local
xserver-command=$T/bin/xserver
greeter-session=sclogin-test
greeter-hide-users=false
user-session=sclogin-test-session
session-wrapper=$T/bin/session-wrapper
pam-service=sclogin-lightdm
pam-greeter-service=sclogin-lightdm-greeter
pam-autologin-service=sclogin-lightdm-autologin
EOF

# --- a private system bus --------------------------------------------------
mkdir -p /run/dbus /var/lib/lightdm-data
mount -t tmpfs -o mode=0755 tmpfs /run/dbus || fail "cannot mount a tmpfs on /run/dbus"
mount -t tmpfs -o mode=0755 tmpfs /var/lib/lightdm-data ||
    fail "cannot mount a tmpfs on /var/lib/lightdm-data"
cat > "$T/dbus/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$T/dbus/system.conf" --nofork --nopidfile \
    >"$T/dbus.log" 2>&1 &
bus_pid=$!
i=0
until [ -S /run/dbus/system_bus_socket ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "the system bus did not come up"
	kill -0 "$bus_pid" 2>/dev/null || fail "dbus-daemon exited"
	sleep 0.1
done

# --- LightDM -----------------------------------------------------------------
# start_lightdm RUN: LightDM, its X server on :0 and our greeter
start_lightdm() {
	run=$1
	env -u DISPLAY -u XAUTHORITY lightdm -d >"$T/lightdm.out" 2>&1 &
	ldm_pid=$!
	wait_file "$llog" "Greeter connected" 30
	grep -q "Launching process .*$T/bin/xserver :0" "$llog" ||
	    fail "LightDM did not start our X server on :0"
}
export DISPLAY=:0 XAUTHORITY=$T/run/root/:0

start_lightdm card
# 1. Card last: the greeter opens on "Insert your smart card".
wait_state "^view=insert-card " 30
shot 01-insert-card.png
grep -q "Greeter start authentication" "$llog" && fail "authentication started without a card"

# 2. The card arrives: the greeter starts LightDM's PAM conversation for
#    alice and shows pam_sclogin's PIN prompt.
"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert card"
wait_file "$llog" "Greeter start authentication for alice" 20
wait_file "$llog" "Started with service 'sclogin-lightdm', username 'alice'" 20
wait_state "^view=pin .*entry_ready=1 .*tries=3 card='Alice card'" 30
shot 02-pin.png

# 2b. The card comes out at the PIN prompt: the greeter cancels LightDM's
#     conversation and asks for the card; back in: a new conversation.
"$SCL_RIG_CARD" remove 0 || fail "remove card"
wait_state "^view=insert-card " 30
wait_file "$llog" "Cancel authentication" 20
"$SCL_RIG_CARD" insert 0 "$T/alice.card" || fail "insert card"
wait_state "^view=pin .*entry_ready=1 .*tries=3 card='Alice card'" 30
n=$(grep -c "Started with service 'sclogin-lightdm', username 'alice'" "$llog")
[ "$n" -eq 2 ] || fail "expected a new PAM conversation for the card back in, got $n"
echo "ok: card out at the PIN: conversation cancelled; back in: PIN again"

# 3. A wrong PIN: pam_sclogin says so and the stack goes on to pam_unix,
#    whose "Password:" the greeter in card mode never shows: it cancels
#    that conversation and starts a new one for the PIN (2 tries left).
type_secret 999999
wait_state "^view=pin .*entry_ready=1 .*tries=2 .*message='Wrong PIN[^']*'" 30
n=$(grep -c "Started with service 'sclogin-lightdm', username 'alice'" "$llog")
[ "$n" -eq 3 ] || fail "expected a third PAM conversation for the PIN, got $n"
[ "$(grep -c "Cancel authentication" "$llog")" -eq 2 ] ||
    fail "the password conversation was not cancelled"
shot 03-wrong-pin.png
grep -q "Authenticate result for user alice: Success" "$llog" &&
    fail "a wrong PIN authenticated alice"
[ -s "$T/session.out" ] && fail "a session started after a wrong PIN"
echo "ok: wrong PIN refused: $(greeter_state)"

# 4. The right PIN: LightDM authenticates alice, the greeter asks for her
#    session, LightDM stops the greeter and runs the session as alice.
type_secret 123456
wait_file "$llog" "Authenticate result for user alice: Success" 30
wait_file "$T/session.out" "^session " 30
grep -q "Greeter requests .*session" "$llog" || fail "the greeter did not ask for a session"
grep -q "Greeter stopped, running session" "$llog" || fail "LightDM did not run the session"
grep -qx "session uid=1001 user=alice display=:0" "$T/session.out" ||
    fail "session ran as: $(cat "$T/session.out")"
echo "ok: $(cat "$T/session.out")"
shot 04-session.png

# pam_sclogin's session hook recorded the method: the card signed her in
[ "$(record_method)" = card ] || fail "sign-in record of alice: '$(record_method)'"
greeter_memory card
greeter_clean
echo "ok: alice signed in by card under LightDM ($(grep -c ' view=' "$glog") greeter states)"

# 5. LightDM again, the card still in: the greeter opens on the PIN at
#    once; "Sign in with a password instead" (clicked): the greeter answers
#    pam_sclogin's PIN question empty ("use another sign-in option"), the
#    stack goes on to pam_unix, whose "Password:" it shows.
stop_lightdm
start_lightdm password
wait_state "^view=pin .*entry_ready=1 .*tries=3 card='Alice card'" 30
shot 05-pin-card-in-at-start.png
# the link under the PIN entry (the card is centred on the 1024x700 screen)
xdotool mousemove 512 486 click 1 || fail "xdotool click"
wait_state "^view=password .*entry_ready=1" 30
shot 06-password.png
[ "$(grep -c "Started with service 'sclogin-lightdm', username 'alice'" "$llog")" -eq 2 ] ||
    fail "expected a card and a password conversation"
type_secret alicepw
alice_session
[ "$(record_method)" = password ] || fail "sign-in record of alice: '$(record_method)'"
# the password stack's own messages still reach her after the skipped card
grep -aq "message='Warning: your password will expire in 2 days" "$glog" ||
    fail "pam_unix's expiry warning did not reach the greeter"
greeter_memory password
greeter_clean
echo "ok: alice signed in by password with her card in the reader ($(cat "$T/session.out"))"

# 6. Nobody remembered and two users (alice, bob): the greeter guesses
#    nobody; the conversation starts without a user and the card says who
#    (pam_sclogin's card-only sign-in).
stop_lightdm
rm -f "$T/home/lightdm/.cache/sclogin-greeter/last-method.ini"
start_lightdm nobody
wait_state "^view=pin .*entry_ready=1 .*tries=3 card='Alice card'" 30
shot 07-pin-no-user.png
grep -q "Greeter start authentication for " "$llog" &&
    fail "the greeter picked a user: $(grep "Greeter start authentication" "$llog")"
type_secret 123456
alice_session
grep -qx "last-user=alice" "$T/home/lightdm/.cache/sclogin-greeter/last-method.ini" ||
    fail "the greeter does not remember alice: $(cat "$T/home/lightdm/.cache/sclogin-greeter/last-method.ini")"
greeter_memory card
greeter_clean
echo "ok: no user guessed: the card signed alice in ($(cat "$T/session.out"))"

# 7. Nobody remembered, the password instead: PAM asks for the name
#    (pam_unix's login prompt, shown as it comes), then the password.
stop_lightdm
rm -f "$T/home/lightdm/.cache/sclogin-greeter/last-method.ini"
start_lightdm nobody-password
wait_state "^view=pin .*entry_ready=1 .*tries=3 card='Alice card'" 30
xdotool mousemove 512 486 click 1 || fail "xdotool click"
wait_state "^view=password .*entry_ready=1" 30
n=$(grep -ac " view=password .*entry_ready=1" "$glog")
type_secret alice
i=0
until [ "$(grep -ac " view=password .*entry_ready=1" "$glog")" -gt "$n" ]; do
	i=$((i + 1))
	[ $i -gt $((300 * SLOW)) ] && fail "no password prompt after the user name"
	sleep 0.1
done
shot 08-password-after-name.png
type_secret alicepw
alice_session
greeter_memory password
greeter_clean
echo "ok: no user guessed: PAM asked her name, her password signed her in"

# 8. Signed in, but LightDM cannot start the session (its .desktop file is
#    gone): the greeter says so and lets her sign in again, instead of
#    staying on "signed in".
stop_lightdm
mv "$T/xsessions/sclogin-test-session.desktop" "$T/session.desktop.away"
printf '[last-method]\nalice=card\n[greeter]\nlast-user=alice\n' \
    > "$T/home/lightdm/.cache/sclogin-greeter/last-method.ini"
start_lightdm no-session
wait_state "^view=pin .*entry_ready=1 .*tries=3 card='Alice card'" 30
type_secret 123456
wait_file "$llog" "Authenticate result for user alice: Success" 30
wait_state "^view=pin .*entry_ready=1 .*message='Your session could not be started" 30
shot 09-session-failed.png
[ -s "$T/session.out" ] && fail "a session ran: $(cat "$T/session.out")"
echo "ok: the session could not start: said, and a new sign-in began"
exit 0
