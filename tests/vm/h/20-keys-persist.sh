# Keys survive a reboot on the same TPM (every version of every algorithm
# works as before: old ciphertexts decrypt, old signatures verify) and are
# refused on a different TPM. A key granted to a service user comes back
# with its grant through the restore unit's own command.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
mkdir -p "$d/tpm" "$d/share"
boot() { echo "$1" >"$d/share/mode"; shift; "$top/tests/vm/run.sh" --kver "$KVER" --share "$d/share" "$@" "$top/tests/vm/steps/keys-persist.sh"; }
boot make --tpm "$d/tpm"
boot same --tpm "$d/tpm"
boot other
