# The TPM's rollback counter (szkmctl(8), TPM BINDING) on a TPM of its own
# (this boot changes the owner's password and the counter index, which the
# one-boot suite's devices rely on): an index planted at the counter's
# handle is refused, an owner password stops init with the reason, and
# root's increment or redefinition of the counter only ever makes the blob
# stop opening. See steps/tpm-counter.sh.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
"$top/tests/vm/run.sh" --kver "$KVER" --params lock_pcr=16 --timeout 1500 \
	"$top/tests/vm/steps/tpm-counter.sh"
