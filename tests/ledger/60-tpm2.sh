#!/usr/bin/env bash
# The node key held by a TPM (swtpm here) through the tpm2-openssl
# provider: the key file is a TPM-wrapped blob that only that TPM can use;
# ledgerd signs checkpoints with it (ECDSA P-256, signed-note type 0x02).
. "$(dirname "$0")/lib.sh"
command -v swtpm >/dev/null || fail "swtpm is not installed"
[ -e /usr/lib/x86_64-linux-gnu/ossl-modules/tpm2.so ] || fail "tpm2-openssl is not installed (scripts/deps.sh)"
# Unix sockets: no TCP port to race other tests for.
mkdir -p "$T/tpm"
swtpm socket --tpm2 --tpmstate dir="$T/tpm" --flags startup-clear \
	--server type=unixio,path="$T/tpm/sock" \
	--ctrl type=unixio,path="$T/tpm/sock.ctrl" \
	--pid file="$T/tpm/pid" -d || fail "swtpm did not start"
trap 'kill $(cat "$T/tpm/pid") 2>/dev/null; cleanup' EXIT
export TPM2OPENSSL_TCTI=swtpm:path=$T/tpm/sock
tpm_key() {
	openssl genpkey -provider tpm2 -provider default -algorithm EC \
		-pkeyopt group:P-256 -out "$T/tpm.pem" 2>"$T/genpkey.err"
}
until_ok 5 tpm_key || fail "no TPM key: $(cat "$T/genpkey.err")"
grep -q 'BEGIN TSS2 PRIVATE KEY' "$T/tpm.pem" || fail "no TPM key"
# Without the TPM provider the file is no usable private key.
if openssl pkey -in "$T/tpm.pem" -noout 2>/dev/null; then fail "key readable without the TPM"; fi
rm -f "$T/node.pem"
LEDGERD_ARGS+=(--key "tpm2:$T/tpm.pem" --checkpoint-interval-ms 100)
signed_by_node_key 20
stop
"$B/ledgerd" "${LEDGERD_ARGS[@]}" check | grep -q 'integrity ok' || fail "restart check"
echo "tpm2 ok: $size entries, checkpoints signed in the TPM"
