# Without a TPM, device init is refused unless the module's loud test mode
# is on; see steps/device-notpm.sh.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
"$top/tests/vm/run.sh" --kver "$KVER" --no-tpm "$top/tests/vm/steps/device-notpm.sh"
