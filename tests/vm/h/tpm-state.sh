# A guest can reboot on the same TPM state (what it persisted is there) and a
# second guest can run with a different TPM (it is not).
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
mkdir -p "$d/tpm" "$d/share"
boot() { echo "$1" >"$d/share/mode"; shift; "$top/tests/vm/run.sh" --kver "$KVER" --no-module --share "$d/share" "$@" "$top/tests/vm/steps/tpm-mark.sh"; }
boot mark --tpm "$d/tpm"
boot present --tpm "$d/tpm"
boot absent
