# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Sourced by bench/run (inside rig-run, after bench/setup.sh and
# bench/insert-prompt.sh): the time from a card's insertion to the
# sclogin greeter showing the PIN entry for it.  The greeter (its own
# window under a private Xvfb, pam_sclogin through pam_wrapper) waits on
# "Insert your smart card"; the card is inserted behind fault-card, which
# logs the insertion's CLOCK_MONOTONIC time; the greeter's test hook
# (`clock`) stamps every rendered state with the same clock.  The end is
# the first `view=pin ... entry_ready=1` state: the PAM prompt reached the
# window and the entry takes the PIN.  Each run removes the card and waits
# for the insert view again; one greeter serves all runs.
# Needs: out, build, SCL_VCARD, SCL_RIG_SEAL_KEY, SCL_RIG_CARD.

# greeter_prompt_skip: why the greeter cannot be measured here, or nothing
greeter_prompt_skip() {
	command -v Xvfb >/dev/null || { echo "Xvfb is not installed"; return; }
	[ -x "$build/greeter/sclogin-greeter" ] ||
	    { echo "the greeter is not built (GTK)"; return; }
	[ -r "$(greeter_pam_wrapper)" ] && [ -r "$(greeter_pam_matrix)" ] ||
	    echo "pam_wrapper is not installed"
}

greeter_pam_matrix() {
	echo "$(dirname "$(greeter_pam_wrapper)")/pam_wrapper/pam_matrix.so"
}

greeter_pam_wrapper() {
	local d
	d=$(pkg-config --variable=libdir pam_wrapper 2>/dev/null) || true
	[ -n "$d" ] || d=/usr/lib/x86_64-linux-gnu
	echo "$d/libpam_wrapper.so"
}

# greeter_wait STATUS PID REGEX SECONDS: the last state line matches
greeter_wait() {
	local i=0
	while [ $i -lt $(($4 * 20 * slow)) ]; do
		grep '^state' "$1" 2>/dev/null | tail -n 1 | grep -Eq "$3" &&
		    return 0
		kill -0 "$2" 2>/dev/null || return 1
		i=$((i + 1))
		sleep 0.05
	done
	return 1
}

# insert_prompt_greeter NAME N PKI [fault-card options...]: N insertions;
# appends per run the microseconds from insertion to the PIN entry to
# $out/insert-NAME.txt (failed runs in .bad)
insert_prompt_greeter() {
	local name=$1 n=$2 pki=$3 i xpid gpid fc_pid card_pid d t_p
	local t_ins t_atr t_apdu
	local g=$out/greeter-$name wire=$out/insert-$name.wire
	shift 3
	: >"$out/insert-$name.txt"
	rm -rf "$g"
	mkdir -p "$g/state" "$g/pam.d"
	cat >"$g/sclogin.conf" <<EOF
[global]
ca_file = $pki/ca.pem
crl = off
ocsp = off
mapping = upn, cn
upn_domain = example.test
mapfile = $out/conf/sclogin/mapfile
state_dir = $g/state
EOF
	chmod 0644 "$g/sclogin.conf"
	printf 'auth required %s config=%s\naccount required pam_permit.so\n' \
	    "$build/pam/pam_sclogin.so" "$g/sclogin.conf" >"$g/pam.d/sclogin-card"
	# the window opens on the password (no record): pam_matrix asks for it
	printf 'alice:alicepw:sclogin-password\n' >"$g/passdb"
	printf 'auth required %s passdb=%s\naccount required pam_permit.so\n' \
	    "$(greeter_pam_matrix)" "$g/passdb" >"$g/pam.d/sclogin-password"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
	    >"$g/pam.d/other"
	d=90
	while [ $d -lt 200 ] && { [ -e /tmp/.X$d-lock ] || [ -e /tmp/.X11-unix/X$d ]; }; do
		d=$((d + 1))
	done
	Xvfb :$d -screen 0 1024x700x24 -nolisten tcp -noreset \
	    >"$g/xvfb.log" 2>&1 &
	xpid=$!
	i=0
	until [ -e /tmp/.X11-unix/X$d ] || [ $i -gt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	mkfifo "$g/cmd"
	: >"$g/status"
	env DISPLAY=:$d LD_PRELOAD="$(greeter_pam_wrapper) $NSS_WRAPPER_LIB" \
	    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$g/pam.d" \
	    NSS_WRAPPER_PASSWD="$out/nss/passwd" NSS_WRAPPER_GROUP="$out/nss/group" \
	    NSS_WRAPPER_DISABLE_DEEPBIND=1 UID_WRAPPER_DISABLE_DEEPBIND=1 \
	    SCL_GREETER_TEST_FIFO="$g/cmd" SCL_GREETER_TEST_STATUS="$g/status" \
	    GTK_THEME=Adwaita NO_AT_BRIDGE=1 GDK_BACKEND=x11 \
	    ${W:+G_SLICE=always-malloc} $W "$build/greeter/sclogin-greeter" --user alice \
	    --config "$g/sclogin.conf" --state-dir "$g/state" \
	    >"$g/greeter.log" 2>&1 &
	gpid=$!
	i=0
	until grep -q '^ready' "$g/status" || [ $i -gt $((200 * slow)) ]; do
		i=$((i + 1))
		sleep 0.05
	done
	printf 'clock\n' >"$g/cmd"
	greeter_wait "$g/status" "$gpid" 'view=password .*entry_ready=1' 20 &&
	    printf 'other\n' >"$g/cmd"
	for i in $(seq 1 "$n"); do
		t_p=
		if greeter_wait "$g/status" "$gpid" 'view=insert-card' 20; then
			sleep 0.5
			$W "$out/bin/fault-card" --listen 41000 --connect 40000 \
			    --once --log "$wire" "$@" >>"$wire.stderr" 2>&1 &
			fc_pid=$!
			$W "$SCL_VCARD" run --state "$out/card/alice.state" \
			    --port 41000 --seal-key "$SCL_RIG_SEAL_KEY" \
			    >>"$g/card.log" 2>&1 &
			card_pid=$!
			greeter_wait "$g/status" "$gpid" \
			    'view=pin .*entry_ready=1.* mono_us=[0-9]+$' 20 || true
			kill "$card_pid" "$fc_pid" 2>/dev/null || true
			wait "$card_pid" "$fc_pid" 2>/dev/null || true
			"$SCL_RIG_CARD" wait 0 absent || true
		fi
		insert_times "$wire"
		# the first PIN entry rendered after this insertion
		[ -z "$t_ins" ] || t_p=$(grep '^state view=pin .*entry_ready=1' \
		    "$g/status" | sed -n 's/.* mono_us=\([0-9]*\)$/\1/p' |
		    awk -v t="$t_ins" '$1 > t { print; exit }') || true
		if [ -n "$t_ins" ] && [ -n "$t_p" ] && [ "$t_p" -gt "$t_ins" ]; then
			echo $((t_p - t_ins)) >>"$out/insert-$name.txt"
			insert_parts "$t_p" >>"$out/insert-$name.parts"
		else
			echo "run $i: no PIN entry (see $g/status)" >>"$out/insert-$name.bad"
		fi
	done
	printf 'quit\n' >"$g/cmd"
	i=0
	while kill -0 "$gpid" 2>/dev/null && [ $i -lt $((100 * slow)) ]; do
		i=$((i + 1))
		sleep 0.05
	done
	kill "$gpid" "$xpid" 2>/dev/null || true
	wait "$gpid" "$xpid" 2>/dev/null || true
}
