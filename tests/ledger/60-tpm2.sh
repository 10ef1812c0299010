#!/usr/bin/env bash
# The node key held by a TPM (swtpm here) through the tpm2-openssl
# provider: the key file is a TPM-wrapped blob that only that TPM can use;
# ledgerd signs checkpoints with it (ECDSA P-256, signed-note type 0x02).
. "$(dirname "$0")/lib.sh"
command -v swtpm >/dev/null || fail "swtpm is not installed"
[ -e /usr/lib/x86_64-linux-gnu/ossl-modules/tpm2.so ] || fail "tpm2-openssl is not installed (scripts/deps.sh)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/tpm"
swtpm socket --tpm2 --tpmstate dir="$T/tpm" --flags startup-clear \
	--server type=tcp,port=$port,bindaddr=127.0.0.1 \
	--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
	--pid file="$T/tpm/pid" -d
trap 'kill $(cat "$T/tpm/pid") 2>/dev/null; cleanup' EXIT
export TPM2OPENSSL_TCTI=swtpm:host=127.0.0.1,port=$port
for i in $(seq 50); do
	openssl genpkey -provider tpm2 -provider default -algorithm EC \
		-pkeyopt group:P-256 -out "$T/tpm.pem" 2>/dev/null && break
	sleep 0.05
done
grep -q 'BEGIN TSS2 PRIVATE KEY' "$T/tpm.pem" || fail "no TPM key"
# Without the TPM provider the file is no usable private key.
if openssl pkey -in "$T/tpm.pem" -noout 2>/dev/null; then fail "key readable without the TPM"; fi
rm -f "$T/node.pem"
LEDGERD_ARGS+=(--key "tpm2:$T/tpm.pem" --checkpoint-interval-ms 100)
signed_by_node_key 20
stop
"$B/ledgerd" "${LEDGERD_ARGS[@]}" check | grep -q 'integrity ok' || fail "restart check"
echo "tpm2 ok: $size entries, checkpoints signed in the TPM"
