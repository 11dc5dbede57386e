# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Sourced by bench/run (inside rig-run, after bench/setup.sh): the time from
# a card's insertion to the PIN prompt reaching the PAM conversation, with
# the module already waiting for the card ("Insert your smart card").
#
# The card is inserted behind fault-card (pass mode, or its latency model):
# fault-card logs the CLOCK_MONOTONIC time at which it connects to pcscd's
# vpcd port (`event=card-inserted mono_us=`), which is the insertion as
# pcscd sees it; pam-bench --mono prints the CLOCK_MONOTONIC time of the
# first echo-off prompt.  The vcard is started 1 s + a random part of
# SPREAD_MS after pam-bench, so the module is waiting by then (checked: its
# "insert" message was shown) and a module that polls for the card on its
# own clock (pam_pkcs11: every 10 s) is met at every phase of its period.
# Needs: out (results dir with bin/, card/, conf/), SCL_RIG_CARD, SCL_VCARD,
# SCL_RIG_SEAL_KEY.  SCL_TEST_WRAPPER (the test under valgrind) goes in
# front of our programs (insert_prompt_wrap), and every wait is 5x longer:
# the numbers are then meaningless, the output format is not.

# insert_prompt_wrap BIN: words W (the wrapper) and slow (1, or 5 wrapped);
# pam-bench-nss in BIN execs pam-bench under W
insert_prompt_wrap() {
	W=$(printf '%s' "${SCL_TEST_WRAPPER:-}" | tr -s ' ')
	W=${W# }
	slow=1
	[ -z "$W" ] && return 0
	slow=5
	sed -i "s|^exec |exec $W |" "$1/pam-bench-nss"
}

# bench_pam_waiting CONF PKCS11: CONF/pam.d/bench-sclogin-wait (pam_sclogin,
# wait_for_card=20) and, PKCS11=1, CONF/pam.d/bench-pkcs11-wait (pam_pkcs11
# with card_only and wait_for_card; after bench_pam_sclogin/_pkcs11)
bench_pam_waiting() {
	local c=$1 p=$1/pkcs11
	sed '1s|$| wait_for_card=20|' \
	    "$c/pam.d/bench-sclogin" >"$c/pam.d/bench-sclogin-wait"
	[ "$2" = 1 ] || return 0
	sed 's/card_only = false;/card_only = true;/
	    s/wait_for_card = false;/wait_for_card = true;/' \
	    "$p/pam_pkcs11.conf" >"$p/pam_pkcs11-wait.conf"
	sed "s|config_file=$p/pam_pkcs11.conf|config_file=$p/pam_pkcs11-wait.conf|" \
	    "$c/pam.d/bench-pkcs11" >"$c/pam.d/bench-pkcs11-wait"
}

# insert_prompt_module NAME SVC N SPREAD_MS [fault-card options...]: N sign-ins
# through SVC, each waiting for the card; appends per run the microseconds
# from insertion to the first PIN prompt to $out/insert-NAME.txt (raw
# pam-bench lines in $out/insert-NAME.raw, refused runs in .bad)
insert_prompt_module() {
	local name=$1 svc=$2 n=$3 spread=$4 i fc_pid pb_pid card_pid line t_ins
	local t_atr t_apdu t_p wire=$out/insert-$name.wire
	shift 4
	: >"$out/insert-$name.txt"
	for i in $(seq 1 "$n"); do
		"$out/bin/pam-bench-nss" --confdir "$out/conf/pam.d" \
		    --service "$svc" --user alice --pin 123456 --runs 1 \
		    --timeout-ms $((40000 * slow)) --mono >"$out/insert-$name.run" 2>&1 &
		pb_pid=$!
		sleep "$(awk -v r="$RANDOM$RANDOM" -v s="$spread" \
		    -v k="$slow" 'BEGIN { printf "%.3f", k + (r % s) / 1000 }')"
		$W "$out/bin/fault-card" --listen 41000 --connect 40000 --once \
		    --log "$wire" "$@" >>"$wire.stderr" 2>&1 &
		fc_pid=$!
		$W "$SCL_VCARD" run --state "$out/card/alice.state" --port 41000 \
		    --seal-key "$SCL_RIG_SEAL_KEY" >>"$out/insert-$name.card" 2>&1 &
		card_pid=$!
		wait "$pb_pid" || true
		kill "$card_pid" "$fc_pid" 2>/dev/null || true
		wait "$card_pid" "$fc_pid" 2>/dev/null || true
		"$SCL_RIG_CARD" wait 0 absent || true
		line=$(grep '^run=' "$out/insert-$name.run" | head -1) || true
		printf '%s\n' "$line" >>"$out/insert-$name.raw"
		insert_times "$wire"
		t_p=$(printf '%s\n' "$line" | tr ' ' '\n' |
		    sed -n 's/^first_prompt_mono_us=//p') || true
		case "$line" in
		*name=PAM_SUCCESS*[Ii]nsert*) ;;
		*) t_p= ;;
		esac
		if [ -n "$t_ins" ] && [ -n "$t_p" ] && [ "$t_p" -gt "$t_ins" ]; then
			echo $((t_p - t_ins)) >>"$out/insert-$name.txt"
			insert_parts "$t_p" >>"$out/insert-$name.parts"
		else
			printf 'run %s: %s\n' "$i" "$line" >>"$out/insert-$name.bad"
		fi
	done
}

# insert_times WIRE: t_ins, t_atr, t_apdu of the last insertion in
# fault-card's log WIRE (empty where not logged)
insert_times() {
	local k v
	t_ins= t_atr= t_apdu=
	for k in card-inserted atr-request first-apdu; do
		v=$(sed -n "s/^event=$k mono_us=\([0-9]*\).*/\1/p" "$1" 2>/dev/null |
		    tail -n 1) || true
		case $k in
		card-inserted) t_ins=$v ;;
		atr-request) t_atr=$v ;;
		first-apdu) t_apdu=$v ;;
		esac
	done
}

# insert_parts T_PROMPT: "pcscd monitor scan" microseconds of the last
# insertion (insert_times): to pcscd's ATR request (its polling of the
# reader), from there to the first APDU (pcscd powers the card up, the
# module's monitor wakes and connects), from there to the prompt (the scan,
# the certificate's validation and mapping, the conversation)
insert_parts() {
	[ -n "$t_atr" ] && [ -n "$t_apdu" ] && [ "$t_atr" -ge "$t_ins" ] &&
	    [ "$t_apdu" -ge "$t_atr" ] && [ "$1" -ge "$t_apdu" ] || return 0
	echo "$((t_atr - t_ins)) $((t_apdu - t_atr)) $(($1 - t_apdu))"
}

# insert_parts_line LABEL FILE: the median of each part in FILE
insert_parts_line() {
	local c m=()
	for c in 1 2 3; do
		m+=("$({ awk -v c=$c '{ print $c }' "$2" 2>/dev/null || true; } |
		    sort -n | awk '{ a[NR] = $1 } END {
			if (NR == 0) { print "n/a"; exit }
			v = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			printf "%.0f", v / 1000 }')")
	done
	echo "insert-to-prompt $1 parts: pcscd sees the card ${m[0]} ms, card powered and monitor to first APDU ${m[1]} ms, scan to prompt ${m[2]} ms (medians)"
}

# insert_prompt_line LABEL FILE: "insert-to-prompt LABEL: median N ms
# (min..max, n=K)" from FILE's microseconds, one a line
insert_prompt_line() {
	{ sort -n "$2" 2>/dev/null || true; } | awk -v l="$1" '{ a[NR] = $1 } END {
		if (NR == 0) { printf "insert-to-prompt %s: n/a (n=0)\n", l; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "insert-to-prompt %s: median %.0f ms (%.0f..%.0f, n=%d)\n",
		    l, m / 1000, a[1] / 1000, a[NR] / 1000, NR }'
}
