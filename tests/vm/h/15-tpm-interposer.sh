# An active interposer on the TPM bus, without the session key, at a
# membership step's commit (it drops the rollback counter's increment and
# answers success, hides one that ran, replays an old counter read): the
# device never follows the new membership while the counter stays put, and
# never ends with no blob that opens. The interposer is a test build of the
# module (-DSZKM_TPM2_TEST_BUS, see kmod/tpm2_fault.c); see
# steps/tpm-interposer.sh.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$top/tests/vm/lib-variant.sh"
variant_step SZKM_TPM2_TEST_BUS tpm-interposer
