#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# sclogin vcard create / list / delete in a temporary state directory (no
# systemctl), and the created card working in the rig; TPM and software
# cards (create --protect, list/status say which, protect --tpm) with the
# rig's swtpm.
export SCL_RIG_TPM=1
. "$(dirname "$0")/lib.sh"
in_rig "$@"

D=$T/vcards
export SCLOGIN_VCARD_DIR="$D"
export SCLOGIN_VCARD_SEAL_KEY="$SEAL"

expect 0 sclogin vcard list
has "No virtual cards in $D"
expect 0 sclogin vcard create --name office
has "Created virtual card 'office'"
has 'vpcd port 35963'
has 'no service enabled'
[ -f "$D/office.state" ] || fail "no state file"
grep -qx 'SCLOGIN_VCARD_PORT=35963' "$D/office.env" || fail "env file"
[ "$(stat -c %a "$D")" = 700 ] || fail "state dir mode"
ok "vcard create makes NAME.state and NAME.env (port 35963) in the state dir"

expect 0 sclogin vcard create --name lab-2 --admin-key random --admin-alg aes128 \
    --pin-policy min=6,max=8,digit=required --json
json_ok
[ "$(jget 'd["port"]')" = 35964 ] || fail "second port"
key=$(jget 'd["admin_key"]')
[ ${#key} -eq 32 ] || fail "random AES-128 key: $key"
[ "$(jget 'd["service_enabled"]')" = None ] || fail "no service in a temp dir"
ok "a second card gets the next port; a random admin key is shown once"

expect 0 sclogin vcard create office2 --port 40000 --state-dir "$D"
grep -qx 'SCLOGIN_VCARD_PORT=40000' "$D/office2.env" || fail "--port"
expect 1 sclogin vcard create --name office3 --port 40000
has_err 'port 40000 is used'
expect 1 sclogin vcard create --name office
has_err 'exists already'
expect 2 sclogin vcard create --name '../x'
expect 2 sclogin vcard create --name x --admin-key 0102
expect 2 sclogin vcard create --name x --pin-policy 'min=zz'
expect 2 sclogin vcard create
[ ! -e "$D/x.state" ] || fail "x created"
ok "vcard create refuses duplicates, used ports, bad names/keys/policies"

expect 0 sclogin vcard create --name gids --applet gids --state-dir "$T/gids"
grep -qx 'applet gids' "$T/gids/gids.state" || fail "no 'applet gids' line"
expect 0 sclogin vcard create --name piv --applet piv --state-dir "$T/gids"
! grep -q '^applet' "$T/gids/piv.state" || fail "a PIV card has an applet line"
expect 2 sclogin vcard create --name x --applet cac --state-dir "$T/gids"
has_err "bad --applet 'cac'"
expect 2 sclogin vcard list --applet gids
ok "vcard create --applet gids makes a GIDS card; piv is the default"

expect 1 sclogin vcard create --name broken --vcard-bin /nonexistent/sclogin-vcard
[ ! -e "$D/broken.state" ] && [ ! -e "$D/broken.env" ] || fail "leftovers"
ok "a failing sclogin-vcard init leaves nothing behind"

expect 0 sclogin vcard list
has 'lab-2 *35964'
has 'office *35963'
has 'office2 *40000'
expect 0 sclogin vcard list --json
json_ok
[ "$(jget '[v["name"] for v in d["vcards"]]')" = "['lab-2', 'office', 'office2']" ] ||
    fail "list names"
ok "vcard list (text and JSON)"

# The created card is a working PIV card: into the rig, admin key works.
insert 0 "$D/lab-2.state"
expect 0 sclogin status
has 'PIN tries left: 3'
printf '123456\nabcdef\n' >"$T/s"
expect 4 sclogin pin change --pin-fd 3 --pin-policy digit=required 3<"$T/s"
expect 5 sclogin enroll import --slot 9a --cert "$PKI/alice.cert.pem"
has_err 'admin key'
expect 0 sclogin enroll import --slot 9a --cert "$PKI/alice.cert.pem" \
    --admin-key "$key" --admin-alg aes128
expect 0 sclogin status
has 'Subject:    CN=alice'
remove 0
ok "the created card runs in the rig and takes its random AES admin key"

expect 0 sclogin vcard delete --name office
has "Deleted virtual card 'office'"
[ ! -e "$D/office.state" ] && [ ! -e "$D/office.env" ] || fail "files left"
expect 1 sclogin vcard delete office
has_err "no virtual card named 'office'"
expect 0 sclogin vcard list --json
[ "$(jget '[v["name"] for v in d["vcards"]]')" = "['lab-2', 'office2']" ] ||
    fail "list after delete"
expect 0 sclogin vcard create --name again
has 'vpcd port 35963'
ok "vcard delete removes the card; its port is free again"
expect 0 sclogin vcard create --name tpmcard --tcti "$SCL_RIG_TCTI" --port 40001
has 'Protection: TPM'
expect 0 sclogin vcard create --name softcard --protect software --port 40002
has 'Protection: software'
expect 0 sclogin vcard list
has 'tpmcard .* tpm '
has 'softcard .* software '
expect 0 sclogin vcard list --json
[ "$(jget '[v["protection"] for v in d["vcards"] if v["name"] == "tpmcard"]')" = "['tpm']" ] ||
    fail "list --json protection"
expect 0 sclogin vcard status --name softcard
has 'protection: software (keys open only with the PIN or PUK through scrypt'
has 'kdf: scrypt N=2^16 r=8 p=1 (64 MiB a try)'
printf '000000\n12345678\n' >"$T/s"
expect 1 sclogin vcard protect --name softcard --tpm --tcti "$SCL_RIG_TCTI" <"$T/s"
printf '123456\n12345678\n' >"$T/s"
expect 0 sclogin vcard protect --name softcard --tpm --tcti "$SCL_RIG_TCTI" <"$T/s"
expect 0 sclogin vcard status --name softcard
has 'protection: tpm'
has 'PIN tries left: 3 of 3'
expect 2 sclogin vcard protect --name softcard
expect 2 sclogin vcard list --protect tpm
insert 1 "$D/tpmcard.state"
expect 0 sclogin status
has 'PIN tries left: 3'
remove 1
ok "TPM and software cards: create --protect, list/status say which, protect --tpm"

expect 2 sclogin vcard
expect 2 sclogin vcard destroy
expect 2 sclogin vcard list --admin-key default
ok "vcard usage errors exit 2"
done_ok
