# Kernel consumers across a reboot on the same TPM: dm-crypt volumes and an
# fscrypt directory made with provisioned versions open again after the
# device is unsealed and the key blob loaded, with identical data.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
mkdir -p "$d/tpm" "$d/share"
boot() { echo "$1" >"$d/share/mode"; shift; "$top/tests/vm/run.sh" --kver "$KVER" --share "$d/share" "$@" "$top/tests/vm/steps/consumer-reboot.sh"; }
boot make --tpm "$d/tpm"
boot same --tpm "$d/tpm"
