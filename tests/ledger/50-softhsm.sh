#!/usr/bin/env bash
# The node key in a PKCS#11 token (SoftHSM2), so the ledger node is an HSM:
# ledgerd signs checkpoints with an ECDSA P-256 key the token holds
# (signed-note type 0x02) and they verify with the printed verifier key.
. "$(dirname "$0")/lib.sh"
command -v softhsm2-util >/dev/null || fail "softhsm2 is not installed (scripts/deps.sh)"
mkdir -p "$T/tokens"
export SOFTHSM2_CONF=$T/softhsm2.conf
printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$T/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label ledger --pin 1234 --so-pin 5678 >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/hsm.pem" 2>/dev/null
softhsm2-util --import "$T/hsm.pem" --token ledger --label node --id 01 --pin 1234 >/dev/null
rm -f "$T/node.pem"    # only the token holds the key from here on
HSM=(--key "pkcs11:token=ledger;object=node;type=private"
	--pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pkcs11-pin 1234)
LEDGERD_ARGS+=("${HSM[@]}")
signed_by_node_key 10
# The public key in the vkey is the token's key.
python3 - "$vk" "$T/hsm.pem" <<'PY' || fail "the vkey is not the token's key"
import base64, subprocess, sys
spki = base64.b64decode(sys.argv[1].split("+", 2)[2])[1:]
der = subprocess.check_output(["openssl", "pkey", "-in", sys.argv[2], "-pubout", "-outform", "DER"])
assert spki == der
PY
# A restart verifies the stored checkpoints with the token's key.
stop
"$B/ledgerd" "${LEDGERD_ARGS[@]}" check | grep -q 'integrity ok' || fail "restart check"
# The token's key approves a membership entry (ledgerd(8), MEMBERSHIP),
# which the node then takes as its genesis.
"$B/ledgerd" -c /dev/null member propose "$T/genesis" --genesis --k 1 --key "$vk" >/dev/null
"$B/ledgerd" "${LEDGERD_ARGS[@]}" member approve "$T/genesis" >/dev/null
start --genesis "$T/genesis"
out=$("$B/ledgerd" -c /dev/null --control-socket "$CTL" member submit "$T/genesis") || fail "genesis: $out"
[[ $out == "member "*" 1" ]] || fail "the token's approval did not count: $out"
echo "softhsm ok: $size entries signed by the token"
