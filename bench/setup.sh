# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Sourced by bench/run and tests/hardening/run-faults.sh (inside rig-run):
# builds the bench tools if meson has not, and writes the PKI, test users,
# the virtual card and the PAM configurations of both modules.
# Needs: src, build (meson build dir), SCL_VCARD, SCL_RIG_SEAL_KEY.

PAM_PKCS11_SO=${PAM_PKCS11_SO:-/lib/x86_64-linux-gnu/security/pam_pkcs11.so}
OPENSC_PKCS11_SO=${OPENSC_PKCS11_SO:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
SCL_VCARD=${SCL_VCARD:-$build/vcard/sclogin-vcard}
export SCL_VCARD

NSS_WRAPPER_LIB=
for d in "$(pkg-config --variable=libdir nss_wrapper 2>/dev/null)" \
    /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
	if [ -n "$d" ] && [ -e "$d/libnss_wrapper.so" ]; then
		NSS_WRAPPER_LIB=$d/libnss_wrapper.so
		break
	fi
done

# bench_tools DIR: pam-bench, fault-card, hotplug-bench (meson's if built)
bench_tools() {
	local d=$1 hb=$build/tests/hardening cflags
	mkdir -p "$d"
	cflags="-O2 -g -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter"
	# match a sanitizer build (the module it dlopens is instrumented)
	san=$(python3 -c 'import json, sys
for o in json.load(open(sys.argv[1])):
    if o["name"] == "b_sanitize" and o["value"] != "none":
        print(o["value"])' "$build/meson-info/intro-buildoptions.json" 2>/dev/null || true)
	[ -z "$san" ] || cflags="$cflags -fsanitize=$san -fno-omit-frame-pointer"
	if [ -x "$hb/pam-bench" ]; then
		ln -sf "$hb/pam-bench" "$d/pam-bench"
	else
		cc $cflags -o "$d/pam-bench" "$src/bench/pam-bench.c" \
		    -lpam -lpthread
	fi
	if [ -x "$hb/fault-card" ]; then
		ln -sf "$hb/fault-card" "$d/fault-card"
	else
		cc $cflags -o "$d/fault-card" "$src/tests/hardening/fault-card.c"
	fi
	if [ -x "$hb/hotplug-bench" ]; then
		ln -sf "$hb/hotplug-bench" "$d/hotplug-bench"
	elif [ -f "$build/common/libscl-common.a" ]; then
		# shellcheck disable=SC2046
		cc $cflags -o "$d/hotplug-bench" -I"$src/common" -I"$build" \
		    "$src/bench/hotplug-bench.c" "$build/common/libscl-common.a" \
		    $(pkg-config --cflags --libs libpcsclite libcrypto zlib) \
		    -lpthread || echo "bench: hotplug-bench did not build" >&2
	fi
}

# bench_nss BIN NSSDIR: BIN/pam-bench-nss runs pam-bench with nss_wrapper
# (only the PAM client: the card and pcscd never see it; DEEPBIND off, as
# sanitizer runtimes reject it)
bench_nss() {
	cat >"$1/pam-bench-nss" <<EOF
#!/bin/sh
export LD_PRELOAD=$NSS_WRAPPER_LIB NSS_WRAPPER_DISABLE_DEEPBIND=1
export NSS_WRAPPER_PASSWD=$2/passwd NSS_WRAPPER_GROUP=$2/group
exec $1/pam-bench "\$@"
EOF
	chmod +x "$1/pam-bench-nss"
}

# bench_rig_users BIN NSSDIR: inside a rig (a private mount namespace only):
# the test users through glibc's own files backend, NSSDIR/passwd and group
# bind-mounted over /etc/passwd and /etc/group, and BIN/pam-bench-nss runs
# pam-bench as it is.  For threaded PAM hosts: nss_wrapper 1.1.12 is not
# thread-safe (two threads in getpwnam_r lose the user or crash it).
bench_rig_users() {
	[ -n "${SCL_RIG_DIR:-}" ] || { echo "bench_rig_users: not in a rig" >&2; return 1; }
	mount --bind "$2/passwd" /etc/passwd && mount --bind "$2/group" /etc/group || return 1
	cat >"$1/pam-bench-nss" <<EOF
#!/bin/sh
exec $1/pam-bench "\$@"
EOF
	chmod +x "$1/pam-bench-nss"
}

# bench_pki DIR: the test PKI (meson's copy if built, else mkpki.sh)
bench_pki() {
	local d=$1
	if [ -f "$build/tests/pki/alice.cert.pem" ] &&
	    [ -f "$build/tests/pki/ca.pem" ]; then
		rm -rf "$d"
		cp -r "$build/tests/pki" "$d"
	else
		sh "$src/tests/pki/mkpki.sh" "$d" >/dev/null
	fi
}

# bench_users DIR: nss_wrapper passwd/group (alice bob carol dave)
bench_users() {
	local d=$1
	mkdir -p "$d"
	cat >"$d/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
alice:x:1001:1001:Alice:/nonexistent:/bin/sh
bob:x:1002:1002:Bob:/nonexistent:/bin/sh
carol:x:1003:1003:Carol:/nonexistent:/bin/sh
dave:x:1004:1004:Dave:/nonexistent:/bin/sh
EOF
	cat >"$d/group" <<EOF
root:x:0:
alice:x:1001:
bob:x:1002:
carol:x:1003:
dave:x:1004:
smartcard:x:2001:alice
EOF
}

# bench_card DIR PKI [USER]: a vcard state with USER's key and cert in 9A
bench_card() {
	local d=$1 pki=$2 user=${3:-alice}
	mkdir -p "$d"
	rm -f "$d/$user.state"
	"$SCL_VCARD" init --state "$d/$user.state" --name "bench-$user" \
	    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
	"$SCL_VCARD" import --state "$d/$user.state" --slot 9a \
	    --key "$pki/$user.key.pem" --cert "$pki/$user.cert.pem" \
	    --seal-key "$SCL_RIG_SEAL_KEY" >/dev/null
}

# bench_card_tpm DIR PKI [USER]: DIR/USER-tpm.state, the same key and
# certificate imported into a TPM card in the rig's swtpm ($SCL_RIG_TCTI)
bench_card_tpm() {
	local d=$1 pki=$2 user=${3:-alice}
	rm -f "$d/$user-tpm.state"
	"$SCL_VCARD" init --state "$d/$user-tpm.state" --name "bench-$user-tpm" \
	    --seal-key "$SCL_RIG_SEAL_KEY" --protect tpm \
	    --tcti "$SCL_RIG_TCTI" >/dev/null
	"$SCL_VCARD" import --state "$d/$user-tpm.state" --slot 9a \
	    --key "$pki/$user.key.pem" --cert "$pki/$user.cert.pem" \
	    --seal-key "$SCL_RIG_SEAL_KEY" --tcti "$SCL_RIG_TCTI" >/dev/null
}

# bench_pam_sclogin CONF PKI [EXTRA_ARGS]: CONF/pam.d/bench-sclogin
bench_pam_sclogin() {
	local c=$1 pki=$2 extra=${3:-}
	mkdir -p "$c/pam.d" "$c/sclogin/state"
	: >"$c/sclogin/mapfile"
	cat >"$c/sclogin/sclogin.conf" <<EOF
# pam_sclogin for the benchmark: chain to the test CA, no revocation (the
# same checks as pam_pkcs11's cert_policy = ca,signature), UPN then CN.
[global]
ca_file = $pki/ca.pem
crl = off
ocsp = off
mapping = upn, cn
upn_domain = example.test
mapfile = $c/sclogin/mapfile
state_dir = $c/sclogin/state
cert_cache = $c/sclogin/certs
EOF
	chmod 0644 "$c/sclogin/sclogin.conf" "$c/sclogin/mapfile"
	cat >"$c/pam.d/bench-sclogin" <<EOF
auth required $build/pam/pam_sclogin.so config=$c/sclogin/sclogin.conf $extra
account required pam_permit.so
EOF
	# the same without the certificate cache: every sign-in reads the card
	cat >"$c/pam.d/bench-sclogin_cold" <<EOF
auth required $build/pam/pam_sclogin.so config=$c/sclogin/sclogin.conf $extra cert_cache=no
account required pam_permit.so
EOF
}

# bench_pam_sclogin_p11 CONF: CONF/pam.d/bench-sclogin_p11, pam_sclogin
# through its PKCS#11 backend on OpenSC's module (after bench_pam_sclogin)
bench_pam_sclogin_p11() {
	local c=$1
	cat >"$c/pam.d/bench-sclogin_p11" <<EOF
auth required $build/pam/pam_sclogin.so config=$c/sclogin/sclogin.conf backends=pkcs11 pkcs11_modules=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so pkcs11_helper=$build/common/sclogin-p11-helper
account required pam_permit.so
EOF
}

# bench_pam_pkcs11 CONF PKI: CONF/pam.d/bench-pkcs11 (pam_pkcs11 + OpenSC)
bench_pam_pkcs11() {
	local c=$1 pki=$2 p=$1/pkcs11
	mkdir -p "$c/pam.d" "$p/cacerts" "$p/crls"
	cp "$pki/ca.pem" "$p/cacerts/sclogin-test-ca.pem"
	if command -v openssl >/dev/null; then
		openssl rehash "$p/cacerts" >/dev/null 2>&1 ||
		    pkcs11_make_hash_link "$p/cacerts" >/dev/null 2>&1
	else
		(cd "$p/cacerts" && pkcs11_make_hash_link >/dev/null 2>&1)
	fi
	echo "alice -> alice" >"$p/cn_map"
	cat >"$p/pam_pkcs11.conf" <<EOF
pam_pkcs11 {
  nullok = false;
  debug = false;
  use_first_pass = false;
  try_first_pass = false;
  use_authtok = false;
  card_only = false;
  wait_for_card = false;
  use_pkcs11_module = opensc;
  pkcs11_module opensc {
    module = $OPENSC_PKCS11_SO;
    description = "OpenSC PKCS#11 module";
    slot_num = 0;
    ca_dir = $p/cacerts;
    crl_dir = $p/crls;
    support_threads = false;
    cert_policy = ca,signature;
    token_type = "Smart card";
  }
  use_mappers = cn;
  mapper_search_path = /lib/x86_64-linux-gnu/pam_pkcs11;
  mapper cn {
    debug = false;
    module = internal;
    ignorecase = false;
    mapfile = file://$p/cn_map;
  }
}
EOF
	cat >"$c/pam.d/bench-pkcs11" <<EOF
auth required $PAM_PKCS11_SO config_file=$p/pam_pkcs11.conf
account required pam_permit.so
EOF
}
