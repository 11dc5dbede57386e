#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# run-faults.sh [CASE...]: fault injection on the rig (issue 6).  Each case
# puts tests/hardening/fault-card between pcscd and the virtual card (alice,
# PIN 123456), injects one fault, and runs pam_authenticate through
# pam_sclogin (bench/pam-bench, a fresh process, killed at the bound).  A
# case passes when the fault really fired, the host process neither hung
# nor crashed, the result is the expected one (never PAM_SUCCESS for a
# broken card) and it came within the case's bound.  Then: pcscd killed
# mid-way, and two PAM conversations at once (threads and processes) on one
# card.  Runs itself inside tests/rig/rig-run.  SCL_HARDENING_VALGRIND=1
# also runs every failing case's PAM client under valgrind (definite leaks
# and invalid accesses fail the case).  SCL_TEST_WRAPPER (`meson test
# --setup valgrind`: every process of ours under valgrind) goes in front
# of fault-card, the vcard and pam-bench; the bounds are then SLOW times
# longer (what each case asserts stays the same).
# Needs SCL_BUILD_ROOT (pam/pam_sclogin.so, vcard/sclogin-vcard).
set -uo pipefail

src=${SCL_SOURCE_ROOT:-$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}
build=${SCL_BUILD_ROOT:-$src/build}
export SCL_SOURCE_ROOT=$src SCL_BUILD_ROOT=$build

if [ -z "${SCL_RIG_DIR:-}" ]; then
	exec "$src/tests/rig/rig-run" -- bash "$(readlink -f "$0")" "$@"
fi

[ -f "$build/pam/pam_sclogin.so" ] || { echo "SKIP: $build/pam/pam_sclogin.so not built"; exit 77; }
[ -x "${SCL_VCARD:-$build/vcard/sclogin-vcard}" ] || { echo "SKIP: sclogin-vcard not built"; exit 77; }

work=$SCL_RIG_DIR/hardening
mkdir -p "$work"
# shellcheck source=bench/setup.sh
. "$src/bench/setup.sh"
bench_tools "$work/bin"
bench_pki "$work/pki"
bench_users "$work/nss"
W=${SCL_TEST_WRAPPER:-}
SLOW=1
[ -z "$W" ] || SLOW=4
# A 2 s card bound keeps the hang cases short; the PAM call is bounded by
# the sum of its card steps, so every case gets a generous 20 s.  Under
# valgrind both (and the slow card's delays) are SLOW times longer.
# scan_timeout_ms and auth_timeout_ms (issue 12) keep their defaults, SLOW
# times longer: this suite checks the per-APDU bound; e2e-pam-deadline
# checks the deadlines.  cert_cache=no: the faults aimed at the
# certificate read must reach the card.
bench_pam_sclogin "$work/conf" "$work/pki" \
    "card_timeout_ms=$((2000 * SLOW)) scan_timeout_ms=$((5000 * SLOW)) auth_timeout_ms=$((10000 * SLOW)) cert_cache=no"
# the concurrency cases run two PAM conversations in threads of one host
bench_rig_users "$work/bin" "$work/nss" || exit 1

if [ -n "$W" ]; then
	sed -i "s|^exec |exec $W |" "$work/bin/pam-bench-nss"
fi
# the same module with extended_apdus=off (issue 14)
sed '/pam_sclogin.so/s/$/ extended_apdus=off/' \
    "$work/conf/pam.d/bench-sclogin" >"$work/conf/pam.d/bench-sclogin-short"

pass=0
fail=0
failed_cases=()
fc_pid=

ok() { echo "ok   - $*"; pass=$((pass + 1)); }
not_ok() { echo "FAIL - $*"; fail=$((fail + 1)); failed_cases+=("$1"); }

# card_fresh: a new card (alice, PIN tries 3), a copy of one made once
card_fresh() {
	if [ ! -f "$work/alice.pristine" ]; then
		bench_card "$work/card" "$work/pki" alice
		cp -p "$work/card/alice.state" "$work/alice.pristine"
	fi
	cp -p "$work/alice.pristine" "$work/card/alice.state"
}

# card_in FAULT-CARD-ARGS...: fault-card on 41000 -> 40000, vcard behind it
card_in() {
	rm -f "$work/trigger" "$work/wire.log"
	# shellcheck disable=SC2086 # the wrapper's words, by contract
	$W "$work/bin/fault-card" --listen 41000 --connect 40000 --once \
	    --log "$work/wire.log" --trigger-file "$work/trigger" "$@" \
	    >"$work/fault-card.out" 2>&1 &
	fc_pid=$!
	# shellcheck disable=SC2086 # vc_extra: extra vcard run options
	timeout $((20 * SLOW)) "$SCL_RIG_CARD" insert-cmd 0 "$SCL_VCARD" run \
	    --state "$work/card/alice.state" --port 41000 \
	    --seal-key "$SCL_RIG_SEAL_KEY" ${vc_extra:-} >/dev/null
}

# Stop fault-card first: a hung card holds pcscd's reader (the vpcd driver
# waits for the answer without a bound) until the socket closes.
card_out() {
	if [ -n "$fc_pid" ]; then
		kill "$fc_pid" 2>/dev/null
		wait "$fc_pid" 2>/dev/null
		fc_pid=
	fi
	timeout $((20 * SLOW)) "$SCL_RIG_CARD" remove 0 >/dev/null 2>&1 || true
	timeout $((20 * SLOW)) "$SCL_RIG_CARD" wait 0 absent >/dev/null 2>&1 || true
}

# signin BOUND_S [pam-bench args...]: one sign-in; sets res, status, secs, msg
signin() {
	local bound=$1 line
	shift
	line=$("$work/bin/pam-bench-nss" --confdir "$work/conf/pam.d" \
	    --service "${svc:-bench-sclogin}" --user alice --runs 1 \
	    --timeout-ms $((bound * 1000 * SLOW)) "$@" | grep '^run=' | head -1)
	res=$(sed -n 's/.* name=\([A-Z_]*\).*/\1/p' <<<"$line")
	status=$(sed -n 's/.* status=\([^ ]*\).*/\1/p' <<<"$line")
	secs=$(sed -n 's/.* wall_us=\([0-9]*\).*/\1/p' <<<"$line" |
	    awk '{ printf "%.2f", $1 / 1e6 }')
	msg=$(sed -n "s/.* msg='\\([^']*\\)'.*/\\1/p" <<<"$line")
	echo "$line" >>"$work/results.txt"
}

# valgrind_on: SCL_HARDENING_VALGRIND=1 re-runs each failing case's PAM
# client under valgrind (not needed under SCL_TEST_WRAPPER: every run is)
valgrind_on() {
	[ "${SCL_HARDENING_VALGRIND:-0}" = 1 ] && [ -z "$W" ] &&
	    command -v valgrind >/dev/null
}

valgrind_check() {
	local name=$1
	if ! timeout 120 valgrind -q --trace-children=yes --leak-check=full \
	    --errors-for-leak-kinds=definite --error-exitcode=99 \
	    "$work/bin/pam-bench-nss" --one --confdir "$work/conf/pam.d" \
	    --service bench-sclogin --user alice --pin 123456 \
	    >"$work/valgrind-$name.out" 2>&1; then
		not_ok "$name" "valgrind: see $work/valgrind-$name.out"
		sed -n '1,40p' "$work/valgrind-$name.out"
	fi
}

# fault_case NAME EXPECT BOUND_S MSG_RE FAULT-CARD-ARGS...
# EXPECT: a PAM result name; "!PAM_SUCCESS" for any clear failure; "ANY"
# when success is acceptable too (only no hang/crash within the bound).
# MSG_RE: an extended regexp the user-facing messages must match (case
# insensitive) when the result is a failure; "" for any non-empty message.
fault_case() {
	local name=$1 expect=$2 bound=$3 msg_re=$4
	shift 4
	if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$name"; then
		return 0
	fi
	card_fresh
	if ! card_in "$@"; then
		# A rig hiccup under load (the card not listed by pcscd in
		# time) is not what the case tests: say so, try once more.
		echo "# $name: card did not come up, once more:" \
		    "$(tail -n 3 "$work/fault-card.out" "$SCL_RIG_DIR/card0.log" \
		    2>/dev/null | tr '\n' ' ')"
		card_out
		card_fresh
		if ! card_in "$@"; then
			not_ok "$name" "card did not come up (twice)"
			card_out
			return
		fi
	fi
	signin "$bound" --pin 123456
	local why=
	[ -f "$work/trigger" ] || [[ " $* " == *" --fault pass "* ]] ||
	    why="fault never fired (flow changed?)"
	[ "$status" = ok ] || why="${why:+$why; }host process: $status"
	case $expect in
	ANY) ;;
	!PAM_SUCCESS)
		[ "$res" != PAM_SUCCESS ] ||
		    why="${why:+$why; }signed in although the card broke the rules"
		;;
	*)
		[ "$res" = "$expect" ] ||
		    why="${why:+$why; }got ${res:-nothing}, expected $expect"
		;;
	esac
	if [ "$status" = ok ] && [ "$res" != PAM_SUCCESS ] &&
	    [ "$res" != PAM_AUTHINFO_UNAVAIL ] && [ -z "$msg" ]; then
		why="${why:+$why; }no message for the user"
	fi
	if [ "$status" = ok ] && [ "$res" != PAM_SUCCESS ] &&
	    [ -n "$msg_re" ] && ! grep -qiE "$msg_re" <<<"$msg"; then
		why="${why:+$why; }message does not name the cause (/$msg_re/)"
	fi
	if [ -z "$why" ]; then
		ok "$name" "-> $res in ${secs}s: $msg"
	else
		not_ok "$name" "-> ${res:-?} in ${secs}s: $why (msg: $msg)"
		sed 's/^/    wire: /' "$work/wire.log" | tail -n 6
	fi
	[ -n "$why" ] || [ "$res" = PAM_SUCCESS ] || ! valgrind_on || {
		card_out
		card_in "$@" && valgrind_check "$name"
	}
	card_out
}

only=("$@")

# ---- baseline: the flow this run measures against
card_fresh
card_in --fault pass
signin 20 --pin 123456
card_out
if [ "$res" != PAM_SUCCESS ]; then
	not_ok baseline "-> $res ($status): $msg; the card must sign in first"
	echo "$fail failed, $pass passed"
	exit 1
fi
ok baseline "-> PAM_SUCCESS in ${secs}s"
cp "$work/wire.log" "$work/wire.log.baseline"
grep '^n=' "$work/wire.log" >"$work/baseline-apdus.txt"
n_apdus=$(wc -l <"$work/baseline-apdus.txt")
echo "# baseline sign-in: $n_apdus APDUs"
sed 's/^/#   /' "$work/baseline-apdus.txt"

# ---- extended-length APDUs (issue 14).  The vcard's ATR advertises
# extended Lc/Le: the 1 KB certificate comes in one exchange (short: GET
# DATA + 4 GET RESPONSE).  A card that refuses the extended GET DATA (6700,
# 6D00) is read again short at once and signs in; a card whose ATR says
# short (vcard --short-atr) and extended_apdus=off both get short APDUs.
# cert_exchanges WIRE-LOG: the GET DATA 5FC105 lines and the GET RESPONSEs
# right after them
cert_exchanges() {
	awk '/obj=5FC105/ { n++; f = 1; next } f && / ins=C0 / { n++; next }
	    { f = 0 } END { print n + 0 }' "$1"
}

# ext_case NAME WANT_EXCHANGES FAULT-CARD-ARGS...: PAM_SUCCESS, the fault
# fired (when there is one), the certificate in WANT_EXCHANGES exchanges
ext_case() {
	local name=$1 want=$2 got why=
	shift 2
	if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$name"; then
		return 0
	fi
	card_fresh
	if ! card_in "$@"; then
		not_ok "$name" "card did not come up"
		card_out
		return
	fi
	signin 20 --pin 123456
	got=$(cert_exchanges "$work/wire.log")
	[ "$res" = PAM_SUCCESS ] || why="got ${res:-nothing} ($status): $msg"
	[ -f "$work/trigger" ] || [[ " $* " == *" --fault pass "* ]] ||
	    why="${why:+$why; }fault never fired"
	[ "$got" = "$want" ] ||
	    why="${why:+$why; }certificate in $got exchanges, want $want"
	if [ -z "$why" ]; then
		ok "$name" "-> $res in ${secs}s, certificate in $got exchange(s)"
	else
		not_ok "$name" "$why"
		grep -A5 'obj=5FC105' "$work/wire.log" | sed 's/^/    wire: /' |
		    head -n 8
	fi
	card_out
}

if [ ${#only[@]} -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx ext-cert-one-exchange; then
	cert_n=$(cert_exchanges "$work/wire.log.baseline")
	if [ "$cert_n" = 1 ] &&
	    grep -Eq ' rlen=1[0-9]{3} sw=9000 .*obj=5FC105' \
	    "$work/wire.log.baseline"; then
		ok ext-cert-one-exchange "baseline: certificate in 1 exchange"
	else
		not_ok ext-cert-one-exchange "baseline: certificate in $cert_n exchanges, want 1"
	fi
fi
ext_case ext-refused-6700 6 --fault sw --arg 0x6700 --match 5C035FC105
vc_extra=--short-atr ext_case ext-short-atr 5 --fault pass
# the same code paths as the two above: once is enough under valgrind
if [ -z "$W" ]; then
	ext_case ext-refused-6D00 6 --fault sw --arg 0x6D00 --match 5C035FC105
	svc=bench-sclogin-short ext_case ext-apdus-off 5 --fault pass
fi

# ---- the card removed at each step
# after a verified PIN, a card lost in GENERAL AUTHENTICATE is a failed
# proof (issue 12): "could not prove it holds the key"
removed_re='respond|remov|re-?insert|not present|no card|prove'
for n in $(seq 1 "$n_apdus"); do
	fault_case "drop-at-$n" '!PAM_SUCCESS' 20 "$removed_re" --fault drop --at "$n"
done

# ---- a card that never answers, answers slowly, or loops on SW.  The
# module runs with card_timeout_ms=2000: a card silent past it must end the
# sign-in well inside the 20 s bound.
slow_re='respond|time|slow'
# a card that loops on 61xx/6Cxx: the user hears about the card, not an
# internal error
card_said_re='unexpected answer|no sign-in certificate|cannot be used'
proof_re='could not prove'
# the *-sign cases come after VERIFY: PAM_AUTH_ERR whatever the card does
# (issue 12)
fault_case hang-select '!PAM_SUCCESS' 20 "$slow_re" --fault hang --ins A4
fault_case hang-getdata '!PAM_SUCCESS' 20 "$slow_re" --fault hang --ins CB
fault_case hang-verify '!PAM_SUCCESS' 20 "$slow_re" --fault hang --ins 20 --nth 2
fault_case hang-sign PAM_AUTH_ERR 20 "$proof_re" --fault hang --ins 87
fault_case slow-200ms PAM_SUCCESS 20 '' --fault delay --arg $((200 * SLOW)) --at 1
fault_case slow-3s-past-bound PAM_AUTH_ERR 20 "$proof_re" --fault delay --arg $((3000 * SLOW)) --ins 87
fault_case sw61-select '!PAM_SUCCESS' 20 "$card_said_re" --fault sw61 --ins A4
fault_case sw61-getdata '!PAM_SUCCESS' 20 "$card_said_re" --fault sw61 --ins CB
fault_case sw61-sign PAM_AUTH_ERR 20 "$proof_re" --fault sw61 --ins 87
fault_case sw6c-getdata '!PAM_SUCCESS' 20 "$card_said_re" --fault sw6c --ins CB
fault_case sw6c-sign PAM_AUTH_ERR 20 "$proof_re" --fault sw6c --ins 87
fault_case sw-6F00-sign PAM_AUTH_ERR 20 "$proof_re" --fault sw --arg 0x6F00 --ins 87
fault_case sw-6A82-select '!PAM_SUCCESS' 20 '' --fault sw --arg 0x6A82 --ins A4
fault_case sw-6982-sign PAM_AUTH_ERR 20 "$proof_re" --fault sw --arg 0x6982 --ins 87
fault_case sw-6A82-sign PAM_AUTH_ERR 20 "$proof_re" --fault sw --arg 0x6A82 --ins 87
fault_case bare-9000-sign PAM_AUTH_ERR 20 "$proof_re" --fault sw --arg 0x9000 --ins 87
fault_case drop-sign PAM_AUTH_ERR 20 "$proof_re" --fault drop --ins 87

# ---- malformed TLV and certificates.  The CHUID (5FC102) is optional for
# sign-in (the card id only): no crash or hang is required, success allowed.
chuid=5C035FC102
cert=5C035FC105
fault_case chuid-overlong ANY 20 '' --fault overlong --match $chuid
fault_case chuid-truncate ANY 20 '' --fault truncate --arg 20 --match $chuid
fault_case chuid-garbage ANY 20 '' --fault garbage --match $chuid
fault_case cert-overlong '!PAM_SUCCESS' 20 '' --fault overlong --match $cert
fault_case cert-truncate '!PAM_SUCCESS' 20 '' --fault truncate --arg 40 --match $cert
fault_case cert-garbage '!PAM_SUCCESS' 20 '' --fault garbage --match $cert
fault_case cert-flip-der '!PAM_SUCCESS' 20 '' --fault flip --arg 9 --match $cert
fault_case cert-flip-tbs '!PAM_SUCCESS' 20 '' --fault flip --arg 100 --match $cert
# byte 968 of the 9A read is in the certificate's signature (one
# extended-length answer, issue 14; short, the third GET RESPONSE)
fault_case cert-flip-sig '!PAM_SUCCESS' 20 '' --fault flip --arg 968 --match $cert
fault_case sign-garbage PAM_AUTH_ERR 20 "$proof_re" --fault garbage --ins 87
fault_case sign-flip PAM_AUTH_ERR 20 "$proof_re" --fault flip --arg 40 --ins 87
fault_case sign-overlong PAM_AUTH_ERR 20 "$proof_re" --fault overlong --ins 87
fault_case sign-truncate PAM_AUTH_ERR 20 "$proof_re" --fault truncate --arg 10 --ins 87

# ---- a card without the PIV applet
if [ ${#only[@]} -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx not-piv; then
	# shellcheck disable=SC2086 # the wrapper's words, by contract
	"$SCL_RIG_CARD" insert-cmd 0 $W "$work/bin/fault-card" --standalone \
	    --connect 40000 --log "$work/wire.log" >/dev/null
	signin 20 --pin 123456
	if [ "$status" = ok ] && [ "$res" != PAM_SUCCESS ] && [ -n "$res" ]; then
		ok not-piv "-> $res in ${secs}s: $msg"
	else
		not_ok not-piv "-> ${res:-?} ($status) in ${secs}s: $msg"
	fi
	card_out
fi

# ---- two PAM conversations at once on one card (sudo while the screen
# locker asks).  Wrong PIN in one, right PIN in the other: the wrong one
# never signs in; the right one signs in or ends with a clear "busy/retry"
# (PAM_AUTHINFO_UNAVAIL), never PAM_AUTH_ERR from the other's state.  A
# sign-in alone after each round restores the try counter (3 -> >= 2 after
# a round) and proves the card state intact.  Then both with the right PIN.
# conc_check NAME LINE_A LINE_B: A right PIN, B wrong (or right) PIN
conc_check() {
	local name=$1 la=$2 lb=$3 want_b=$4 ra rb sa sb why=
	ra=$(sed -n 's/.* name=\([A-Z_]*\).*/\1/p' <<<"$la")
	rb=$(sed -n 's/.* name=\([A-Z_]*\).*/\1/p' <<<"$lb")
	sa=$(sed -n 's/.* status=\([^ ]*\).*/\1/p' <<<"$la")
	sb=$(sed -n 's/.* status=\([^ ]*\).*/\1/p' <<<"$lb")
	[ "$sa" = ok ] && [ "$sb" = ok ] || why="host process: $sa/$sb"
	case $ra in
	PAM_SUCCESS|PAM_AUTHINFO_UNAVAIL) ;;
	*) why="${why:+$why; }right PIN got ${ra:-nothing}" ;;
	esac
	if [ "$want_b" = wrong ]; then
		[ "$rb" != PAM_SUCCESS ] && [ -n "$rb" ] ||
		    why="${why:+$why; }WRONG PIN SIGNED IN (${rb:-nothing})"
	else
		case $rb in
		PAM_SUCCESS|PAM_AUTHINFO_UNAVAIL) ;;
		*) why="${why:+$why; }right PIN got ${rb:-nothing}" ;;
		esac
		[ "$ra" = PAM_SUCCESS ] || [ "$rb" = PAM_SUCCESS ] ||
		    why="${why:+$why; }neither signed in"
	fi
	if [ -z "$why" ]; then
		ok "$name" "A=$ra B=$rb"
	else
		not_ok "$name" "$why: A: $la | B: $lb"
	fi
	if [ "$want_b" = right ] && { [ "$ra" != PAM_SUCCESS ] || [ "$rb" != PAM_SUCCESS ]; }; then
		conc_partial=$((conc_partial + 1))
	fi
}

restore() {
	signin 20 --pin 123456
	[ "$res" = PAM_SUCCESS ] && [[ "$msg" != *"1 try left"* ]] ||
	    not_ok "$1-restore" "card state after the round: $res: $msg"
}

if [ ${#only[@]} -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx concurrent; then
	conc_partial=0
	card_fresh
	"$SCL_RIG_CARD" insert 0 "$work/card/alice.state" >/dev/null
	# Under valgrind 2 rounds (its job: memory errors on these paths); the
	# plain and ASan runs do all 5.
	rounds="1 2 3 4 5"
	[ -z "$W" ] || rounds="1 2"
	for round in $rounds; do
		for pinb in 654321 123456; do
			kind=wrong
			[ $pinb = 123456 ] && kind=right
			out=$("$work/bin/pam-bench-nss" --confdir "$work/conf/pam.d" \
			    --service bench-sclogin --user alice \
			    --pins 123456,$pinb --runs 1 --timeout-ms $((40000 * SLOW)) 2>&1)
			conc_check "threads-$kind-$round" \
			    "$(grep '^run=.* conv=0 ' <<<"$out")" \
			    "$(grep '^run=.* conv=1 ' <<<"$out")" $kind
			restore "threads-$kind-$round"
			"$work/bin/pam-bench-nss" --confdir "$work/conf/pam.d" \
			    --service bench-sclogin --user alice --pin 123456 \
			    --runs 1 --timeout-ms $((40000 * SLOW)) >"$work/procA.out" 2>&1 &
			a=$!
			"$work/bin/pam-bench-nss" --confdir "$work/conf/pam.d" \
			    --service bench-sclogin --user alice --pin $pinb \
			    --runs 1 --timeout-ms $((40000 * SLOW)) >"$work/procB.out" 2>&1 &
			b=$!
			wait $a $b
			conc_check "procs-$kind-$round" \
			    "$(grep '^run=' "$work/procA.out")" \
			    "$(grep '^run=' "$work/procB.out")" $kind
			restore "procs-$kind-$round"
		done
	done
	echo "# concurrent: $conc_partial of $(($(echo $rounds | wc -w) * 2)) right+right rounds had one side end with a retryable error"
	card_out
fi

# ---- pcscd killed mid-way (last: it restarts pcscd)
if [ ${#only[@]} -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx pcscd-killed; then
	card_fresh
	card_in --fault delay --arg 1500 --ins 87
	"$work/bin/pam-bench-nss" --confdir "$work/conf/pam.d" \
	    --service bench-sclogin --user alice --pin 123456 --runs 1 \
	    --timeout-ms $((20000 * SLOW)) >"$work/pcscd-kill.out" 2>&1 &
	pb=$!
	i=0
	while [ ! -f "$work/trigger" ] && [ $i -lt $((200 * SLOW)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	fired=0
	[ -f "$work/trigger" ] && fired=1
	kill "$SCL_RIG_PCSCD_PID" 2>/dev/null
	wait $pb
	line=$(grep '^run=' "$work/pcscd-kill.out" | head -1)
	res=$(sed -n 's/.* name=\([A-Z_]*\).*/\1/p' <<<"$line")
	status=$(sed -n 's/.* status=\([^ ]*\).*/\1/p' <<<"$line")
	if [ $fired = 1 ] && [ "$status" = ok ] && [ -n "$res" ] &&
	    [ "$res" != PAM_SUCCESS ]; then
		ok pcscd-killed "-> $res: $(sed -n "s/.* msg='\\([^']*\\)'.*/\\1/p" <<<"$line")"
	else
		not_ok pcscd-killed "fired=$fired $line"
	fi
	kill "$fc_pid" 2>/dev/null
	fc_pid=
	# no pcscd at all: a clear, immediate answer
	"$SCL_RIG_CARD" remove 0 >/dev/null 2>&1
	signin 20 --pin 123456
	if [ "$status" = ok ] && [ "$res" != PAM_SUCCESS ] && [ -n "$res" ]; then
		ok no-pcscd "-> $res in ${secs}s: $msg"
	else
		not_ok no-pcscd "-> ${res:-?} ($status) in ${secs}s"
	fi
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ] || echo "failed: ${failed_cases[*]}"
[ $fail -eq 0 ]
