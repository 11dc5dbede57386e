#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Debian's pam-auth-update with our profiles (data/pam-configs/), then
# sign-ins through the common-* files it wrote.  Runs in the rig (private
# pcscd, the virtual card) and, inside it, a private mount namespace whose
# /etc, /var/lib/pam, debconf's cache, /usr/share/pam-configs and the PAM
# module folder are overlays: pam-auth-update and the test write only
# there, nothing of the machine changes.  In it: alice (a card, no
# password) and carol (a password, pam_unix against the overlay's shadow).
#   - --enable puts pam_sclogin before pam_unix in common-auth, in
#     common-account, and after pam_systemd in common-session;
#   - alice signs in by card with her PIN; carol by password while
#     alice's card is in the reader, and with no card; a wrong password
#     and a wrong PIN fail;
#   - the screen lockers' and GNOME's services (swaylock, i3lock,
#     xscreensaver, kde, lightdm for light-locker, gdm-password) take the
#     card and the password through common-auth; gdm-smartcard with our
#     snippet, checked with pamtester, takes the card and nothing else;
#   - --remove gives back the common-* files as they were.
set -u
S=${SCL_SOURCE_ROOT:?}
B=${SCL_BUILD_ROOT:?}
if [ -z "${SCL_RIG_DIR:-}" ]; then
	exec sh "$S/tests/rig/rig-run" -- sh "$0" "$@"
fi
if [ -z "${SCL_PAU_INNER:-}" ]; then
	command -v pam-auth-update >/dev/null 2>&1 ||
	    { echo "SKIP: pam-auth-update (libpam-runtime) is missing" >&2; exit 77; }
	grep -qw overlay /proc/filesystems ||
	    { echo "SKIP: no overlay file system" >&2; exit 77; }
	SCL_PAU_INNER=1 exec unshare --mount --propagation private sh "$0" "$@"
fi

W=${SCL_TEST_WRAPPER:-}
D=$SCL_RIG_DIR/pau
PKI=$SCL_TEST_PKI
n=0
failures=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; sed 's/^/#   /' "$D/out" 2>/dev/null; }
die() { echo "Bail out! $*"; exit 1; }

# overlay DIR: DIR's changes go to $D/ov
overlay() {
	o=$D/ov$(echo "$1" | tr / _)
	mkdir -p "$o/upper" "$o/work"
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$o/upper,workdir=$o/work" "$1" ||
	    die "cannot mount an overlay on $1"
}

mkdir -p "$D"
moddir=$(dirname "$(find /usr/lib /lib -name pam_unix.so -path '*security*' 2>/dev/null | head -n 1)")
[ -d "$moddir" ] || die "no PAM module folder (pam_unix.so)"
for d in /etc /var/lib/pam /var/cache/debconf /usr/share/pam-configs "$moddir"; do
	overlay "$d"
done
cp "$B/pam/pam_sclogin.so" "$moddir/pam_sclogin.so"
cp "$S/data/pam-configs/sclogin" "$S/data/pam-configs/sclogin-session" \
    /usr/share/pam-configs/

# users: alice has only her card, carol only a password
hash=$(openssl passwd -6 -salt sclogintest 'carol secret')
echo "alice:x:41001:41001:Alice:/nonexistent:/bin/sh" >>/etc/passwd
echo "carol:x:41003:41003:Carol:/nonexistent:/bin/sh" >>/etc/passwd
printf 'alice:x:41001:\ncarol:x:41003:\n' >>/etc/group
echo "alice:!:20000:0:99999:7:::" >>/etc/shadow
echo "carol:$hash:20000:0:99999:7:::" >>/etc/shadow
mkdir -p /etc/sclogin "$D/state"
cat >/etc/sclogin/sclogin.conf <<CONF
[global]
ca_file = $PKI/ca.pem
mapping = mapfile
mapfile = /etc/sclogin/mapfile
crl = hard-fail
crl_dir = $PKI/crl
ocsp = off
state_dir = $D/state
cert_cache = $D/certs
CONF
printf 'alice: sha256:%s\n' "$(openssl x509 -in "$PKI/alice.cert.pem" -noout \
    -fingerprint -sha256 | sed 's/.*=//')" >/etc/sclogin/mapfile
chmod 0644 /etc/sclogin/sclogin.conf /etc/sclogin/mapfile
printf '@include common-auth\n@include common-account\n' >/etc/pam.d/sclogin-pau
for f in auth account session password; do
	cp "/etc/pam.d/common-$f" "$D/common-$f.before"
done

DEBIAN_FRONTEND=noninteractive pam-auth-update --package --enable sclogin \
    sclogin-session >"$D/out" 2>&1 || { cat "$D/out"; die "pam-auth-update --enable failed"; }
sed 's/^/#   common-auth: /' /etc/pam.d/common-auth | grep -v '^#   common-auth: #' | grep -v ': $'
if grep -q '^auth.*pam_sclogin\.so' /etc/pam.d/common-auth &&
    [ "$(grep -n 'pam_sclogin\.so' /etc/pam.d/common-auth | cut -d: -f1)" -lt \
      "$(grep -n 'pam_unix\.so' /etc/pam.d/common-auth | cut -d: -f1)" ]; then
	ok "common-auth: pam_sclogin before pam_unix"
else
	cp /etc/pam.d/common-auth "$D/out"; not_ok "common-auth: pam_sclogin before pam_unix"
fi
if grep -q '^account.*required.*pam_sclogin\.so' /etc/pam.d/common-account; then
	ok "common-account: pam_sclogin required"
else
	cp /etc/pam.d/common-account "$D/out"; not_ok "common-account: pam_sclogin required"
fi
if grep -q 'pam_systemd\.so' /etc/pam.d/common-session &&
    [ "$(grep -n 'pam_systemd\.so' /etc/pam.d/common-session | cut -d: -f1)" -lt \
      "$(grep -n 'optional.*pam_sclogin\.so' /etc/pam.d/common-session | cut -d: -f1)" ]; then
	ok "common-session: pam_sclogin after pam_systemd"
elif ! grep -q 'pam_systemd\.so' /etc/pam.d/common-session &&
    grep -q 'optional.*pam_sclogin\.so' /etc/pam.d/common-session; then
	ok "common-session: pam_sclogin (no pam_systemd profile here)"
else
	cp /etc/pam.d/common-session "$D/out"; not_ok "common-session: pam_sclogin after pam_systemd"
fi

# signin WANT USER SECRET DESCRIPTION: pam-client through /etc/pam.d.
# libcrypt is preloaded: in the ASan build, ASan's crypt() interceptor
# finds no real crypt() when pam_unix brings libcrypt in later by dlopen.
crypt=$(ldconfig -p | sed -n 's/.*libcrypt\.so\.1 .*=> //p' | head -n 1)
signin() {
	want=$1 user=$2 secret=$3; shift 3
	LD_PRELOAD=$crypt $W "$B/tests/pam/pam-client" --service sclogin-pau \
	    --user "$user" --pin "$secret" >"$D/out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$*"; else not_ok "$* (exit $got)"; fi
}

"$SCL_VCARD" init --state "$D/alice.card" --name "Alice's card" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null &&
"$SCL_VCARD" import --state "$D/alice.card" --slot 9a \
    --key "$PKI/alice.key.pem" --cert "$PKI/alice.cert.pem" \
    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null || die "cannot make alice's card"
"$SCL_RIG_CARD" insert 0 "$D/alice.card" || die "cannot insert the card"

signin 0 alice 123456 "alice signs in by card through common-auth"
if grep -q 'PIN' "$D/out" && ! grep -qi 'password' "$D/out"; then
	ok "alice was asked for her PIN, not a password"
else
	not_ok "alice was asked for her PIN, not a password"
fi
signin 1 alice 000000 "alice's wrong PIN fails"
signin 0 carol 'carol secret' "carol signs in by password with alice's card in the reader"
if grep -q 'PIN' "$D/out"; then not_ok "carol was not asked for a PIN"; else ok "carol was not asked for a PIN"; fi
signin 1 carol 'wrong' "carol's wrong password fails"

# The screen lockers' and GNOME's services, as their packages ship the
# auth part (swaylock and i3lock: "auth include login"; xscreensaver,
# KDE's kscreenlocker ("kde") and gdm-password: common-auth; light-locker
# unlocks through LightDM's own "lightdm" service, the real file here):
# each takes alice's card and carol's password through common-auth.
printf 'auth include login\n' >/etc/pam.d/swaylock
printf 'auth include login\n' >/etc/pam.d/i3lock
printf '@include common-auth\n' >/etc/pam.d/xscreensaver
printf '@include common-auth\n@include common-account\n' >/etc/pam.d/kde
printf 'auth requisite pam_nologin.so\n@include common-auth\n@include common-account\n' \
    >/etc/pam.d/gdm-password
# Under a wrapper (valgrind) one service of each kind: the module's code
# is the same, the services differ only in their files.
services="login swaylock i3lock xscreensaver kde lightdm gdm-password"
[ -z "$W" ] || services="swaylock lightdm"
for svc in $services; do
	[ -f "/etc/pam.d/$svc" ] || { not_ok "$svc: no service file"; continue; }
	for who in "alice 123456 card" "carol carol_secret password"; do
		set -- $who
		LD_PRELOAD=$crypt $W "$B/tests/pam/pam-client" --service "$svc" \
		    --user "$1" --pin "$(echo "$2" | tr _ ' ')" >"$D/out" 2>&1
		if grep -q '^pam_authenticate: Success' "$D/out"; then
			ok "$svc: $1 unlocks by $3"
		else
			not_ok "$svc: $1 unlocks by $3"
		fi
	done
done

# gdm-smartcard (data/pam.d/gdm-smartcard-sclogin), checked with pamtester
# as an administrator would: the card's PIN, and no password path.
cp "$S/data/pam.d/gdm-smartcard-sclogin" /etc/pam.d/gdm-smartcard
# pamtester is not ours: never under the wrapper; in the ASan build it
# needs libasan first to load the module (its own leaks are not ours).
asan=$(ldd "$B/pam/pam_sclogin.so" | sed -n 's/^[[:space:]]*libasan\.so[^ ]* => \([^ ]*\).*/\1/p')
pamtester() {
	if [ -n "$asan" ]; then
		LD_PRELOAD="$asan:$crypt" ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 \
		    command pamtester "$@"
	else
		LD_PRELOAD=$crypt command pamtester "$@"
	fi
}
if command -v pamtester >/dev/null 2>&1; then
	printf '123456\n' | pamtester -v gdm-smartcard alice \
	    authenticate >"$D/out" 2>&1
	if grep -q 'successfully authenticated' "$D/out"; then ok "gdm-smartcard (pamtester): alice by card"
	else not_ok "gdm-smartcard (pamtester): alice by card"; fi
	printf 'carol secret\n' | pamtester -v gdm-smartcard carol \
	    authenticate >"$D/out" 2>&1
	if ! grep -q 'successfully authenticated' "$D/out" && ! grep -qi 'password' "$D/out"; then
		ok "gdm-smartcard (pamtester): no password path for carol"
	else
		not_ok "gdm-smartcard (pamtester): no password path for carol"
	fi
else
	not_ok "pamtester is not installed (./dev installs it)"
fi

"$SCL_RIG_CARD" remove 0 || die "cannot remove the card"
signin 0 carol 'carol secret' "carol signs in by password with no card"
signin 1 alice 123456 "alice cannot sign in without her card (no password)"

DEBIAN_FRONTEND=noninteractive pam-auth-update --package --remove sclogin \
    sclogin-session >"$D/out" 2>&1 || { cat "$D/out"; die "pam-auth-update --remove failed"; }
same=1
for f in auth account session password; do
	cmp -s "/etc/pam.d/common-$f" "$D/common-$f.before" || {
		diff "$D/common-$f.before" "/etc/pam.d/common-$f" >"$D/out"; same=0; }
done
if [ $same = 1 ]; then ok "--remove gives the common-* files back as they were"
else not_ok "--remove gives the common-* files back as they were"; fi
signin 0 carol 'carol secret' "carol signs in by password after --remove"

echo "1..$n"
[ $failures -eq 0 ]
