# A TPM that answers late (a starved emulator on a busy host, where the
# guest's driver gives up with -ETIME though the command ran) costs the
# device nothing: init and unseal try again, in a new session, the lock PCR
# ends capped and no object or session is left in the TPM. The late answers
# are made by a test build of the module (-DSZKM_TPM2_TEST_LATE), one at
# each TPM command in turn; see steps/tpm-late.sh.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$top/tests/vm/lib-variant.sh"
# About 25 module reloads and TPM transactions: 2 minutes idle, 8 on a
# 2-core host at load 10 (where the real TPM answered late too).
variant_step SZKM_TPM2_TEST_LATE tpm-late
