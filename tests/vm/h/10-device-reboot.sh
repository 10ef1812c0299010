# The device blob survives a reboot on the same TPM (same device id after
# unseal) and is refused, as sealed by a different TPM, on another TPM.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
mkdir -p "$d/tpm" "$d/share"
boot() { echo "$1" >"$d/share/mode"; shift; "$top/tests/vm/run.sh" --kver "$KVER" --share "$d/share" "$@" "$top/tests/vm/steps/device-reboot.sh"; }
boot init --tpm "$d/tpm"
boot same --tpm "$d/tpm"
boot other
