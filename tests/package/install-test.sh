#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# install-test.sh ROOT DEBS_DIR PKI_DIR: install the .debs into the clean
# Debian chroot ROOT (debootstrap --variant=minbase bookworm) with apt,
# then sign in through the installed files only: pcscd loads the packaged
# reader driver from /etc/reader.conf.d, the packaged sclogin-vcard sits in
# it, pam-auth-update enables the packaged profiles, and pamtester signs
# alice in by card and carol by password through /etc/pam.d/login; removing
# libpam-sclogin takes it out of common-auth again.  Runs in a private
# mount namespace (proc, dev and sys are mounted into ROOT only there).
# Called by `./dev package`; needs root and the Debian mirror.
set -eu
ROOT=$1 DEBS=$2 PKI=$3
if [ -z "${SCL_PKG_INNER:-}" ]; then
	SCL_PKG_INNER=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
n=0 failures=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; sed 's/^/#   /' "$ROOT/tmp/out" 2>/dev/null || true; }
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

mount -t proc proc "$ROOT/proc"
mount --rbind /dev "$ROOT/dev"
mount -t sysfs sys "$ROOT/sys"
mount -t tmpfs tmpfs "$ROOT/run"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
rm -rf "$ROOT/tmp/debs" "$ROOT/tmp/pki"
mkdir -p "$ROOT/tmp/debs"
cp "$DEBS"/libpam-sclogin_*.deb "$DEBS"/sclogin-vcard_*.deb \
    "$DEBS"/sclogin-greeter_*.deb "$ROOT/tmp/debs/"
cp -r "$PKI" "$ROOT/tmp/pki"

in_root apt-get update -qq >/dev/null
debs=$(cd "$ROOT/tmp/debs" && ls libpam-sclogin_*.deb sclogin-vcard_*.deb sclogin-greeter_*.deb | sed 's|^|/tmp/debs/|')
# shellcheck disable=SC2086 # one word per package file
# without Recommends: LightDM and OpenSC are not what this test signs in with
if in_root apt-get install -y -qq --no-install-recommends $debs pamtester \
    >"$ROOT/tmp/out" 2>&1; then
	ok "apt installs the three packages with their dependencies"
else
	not_ok "apt installs the three packages with their dependencies"; exit 1
fi
for f in /usr/lib/x86_64-linux-gnu/security/pam_sclogin.so /usr/bin/sclogin \
    /usr/share/pam-configs/sclogin /etc/reader.conf.d/sclogin-vcard \
    /usr/lib/pcsc/drivers/serial/libifd-sclogin.so \
    /lib/systemd/system/sclogin-vcard@.service /usr/share/man/man8/pam_sclogin.8.gz \
    /usr/share/man/man5/sclogin.conf.5.gz /usr/share/man/man1/sclogin.1.gz \
    /usr/share/pam-configs/sclogin-session /usr/sbin/sclogin-lightdm-greeter \
    /usr/share/xgreeters/sclogin-lightdm-greeter.desktop \
    /usr/share/locale/de/LC_MESSAGES/sclogin.mo /usr/share/locale/fr/LC_MESSAGES/sclogin.mo; do
	if [ -e "$ROOT$f" ]; then ok "installed: $f"; else not_ok "installed: $f"; fi
done

# users, policy, card: as an administrator would, with the packaged tools
hash=$(openssl passwd -6 -salt sclogintest 'carol secret')
echo "alice:x:41001:41001:Alice:/nonexistent:/bin/sh" >>"$ROOT/etc/passwd"
echo "carol:x:41003:41003:Carol:/nonexistent:/bin/sh" >>"$ROOT/etc/passwd"
printf 'alice:x:41001:\ncarol:x:41003:\n' >>"$ROOT/etc/group"
echo "alice:!:20000:0:99999:7:::" >>"$ROOT/etc/shadow"
echo "carol:$hash:20000:0:99999:7:::" >>"$ROOT/etc/shadow"
cat >"$ROOT/etc/sclogin/sclogin.conf" <<CONF
[global]
ca_file = /tmp/pki/ca.pem
crl = hard-fail
crl_dir = /tmp/pki/crl
ocsp = off
mapping = mapfile
mapfile = /etc/sclogin/mapfile
CONF
printf 'alice: sha256:%s\n' "$(openssl x509 -in "$PKI/alice.cert.pem" -noout \
    -fingerprint -sha256 | sed 's/.*=//')" >"$ROOT/etc/sclogin/mapfile"
chmod 0644 "$ROOT/etc/sclogin/sclogin.conf" "$ROOT/etc/sclogin/mapfile"
if in_root sclogin vcard create --name alice --protect software --no-enable \
    >"$ROOT/tmp/out" 2>&1 && in_root sclogin-vcard import \
    --state /var/lib/sclogin/vcards/alice.state --slot 9a \
    --key /tmp/pki/alice.key.pem --cert /tmp/pki/alice.cert.pem \
    >>"$ROOT/tmp/out" 2>&1; then
	ok "sclogin vcard create and sclogin-vcard import make alice's card"
else
	not_ok "sclogin vcard create and sclogin-vcard import"; exit 1
fi
# started without a shell function in between, so that $! is the daemon
# itself (chroot and env exec it) and the kill at the end reaches it
chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    pcscd -f >"$ROOT/tmp/pcscd.log" 2>&1 &
pcscd=$!
chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    sclogin-vcard run --state /var/lib/sclogin/vcards/alice.state \
    --socket /run/sclogin/vcard >"$ROOT/tmp/card.log" 2>&1 &
card=$!
trap 'kill "$card" "$pcscd" 2>/dev/null || true' EXIT
i=0
until in_root sclogin readers 2>/dev/null | grep -q "sclogin Virtual Card.*card present"; do
	i=$((i + 1))
	[ $i -lt 100 ] || break
	sleep 0.1
done
if in_root sclogin readers >"$ROOT/tmp/out" 2>&1 &&
    grep -q "sclogin Virtual Card.*card present" "$ROOT/tmp/out"; then
	ok "pcscd loads the packaged reader driver and the card is in it"
else
	cat "$ROOT/tmp/pcscd.log" "$ROOT/tmp/card.log" >>"$ROOT/tmp/out"
	not_ok "pcscd loads the packaged reader driver and the card is in it"
fi

in_root pam-auth-update --package --enable sclogin sclogin-session >"$ROOT/tmp/out" 2>&1 &&
    grep -q pam_sclogin "$ROOT/etc/pam.d/common-auth" &&
    ok "pam-auth-update enables the packaged profile" ||
    not_ok "pam-auth-update enables the packaged profile"
in_root sclogin config check >"$ROOT/tmp/out" 2>&1 &&
    ok "sclogin config check: no error" || not_ok "sclogin config check: no error"

in_root sclogin doctor --user alice >"$ROOT/tmp/out" 2>&1 &&
    ok "sclogin doctor: alice's card signs in" || not_ok "sclogin doctor: alice's card signs in"
printf '123456\n' | in_root pamtester -v login alice authenticate >"$ROOT/tmp/out" 2>&1 || true
if grep -q 'successfully authenticated' "$ROOT/tmp/out"; then ok "login: alice signs in by card"
else not_ok "login: alice signs in by card"; fi
printf '123456\n' | in_root pamtester -v sclogin-card alice authenticate >"$ROOT/tmp/out" 2>&1 || true
if grep -q 'successfully authenticated' "$ROOT/tmp/out"; then
	ok "sclogin-card (the greeter's card service): alice signs in by card"
else not_ok "sclogin-card (the greeter's card service): alice signs in by card"; fi
printf '654321\n' | in_root pamtester -v login alice authenticate >"$ROOT/tmp/out" 2>&1 || true
if grep -q 'Authentication failure' "$ROOT/tmp/out" && grep -q 'Wrong PIN' "$ROOT/tmp/out"; then
	ok "login: alice with a wrong PIN is refused and told so"
else not_ok "login: alice with a wrong PIN is refused and told so"; fi
printf 'carol secret\n' | in_root pamtester -v login carol authenticate >"$ROOT/tmp/out" 2>&1 || true
if grep -q 'successfully authenticated' "$ROOT/tmp/out"; then ok "login: carol signs in by password"
else not_ok "login: carol signs in by password"; fi

kill "$card" "$pcscd" 2>/dev/null || true
wait "$card" "$pcscd" 2>/dev/null || true
in_root apt-get remove -y -qq libpam-sclogin >"$ROOT/tmp/out" 2>&1 &&
    ! grep -q pam_sclogin "$ROOT/etc/pam.d/common-auth" &&
    ok "removing libpam-sclogin takes it out of common-auth" ||
    not_ok "removing libpam-sclogin takes it out of common-auth"
echo "1..$n"
[ "$failures" -eq 0 ]
