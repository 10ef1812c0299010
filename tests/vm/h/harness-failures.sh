# The harness never reads a failure, a kernel panic or a hang as a pass, and
# a dead guest fails within the boot timeout.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
run=$top/tests/vm/run.sh
fx=$top/tests/vm/fixtures
expect_fail() { # <timeout> <what> <script> <pattern the run must print>
	local t0 t1 out
	t0=$(date +%s)
	if out=$("$run" --kver "$KVER" --timeout "$1" "$3" 2>&1); then
		echo "$2: the run passed: $out"; exit 1
	fi
	t1=$(date +%s)
	grep -q "^FAIL $(basename "$3" .sh)" <<<"$out" || { echo "$2: no FAIL line: $out"; exit 1; }
	grep -q -- "$4" <<<"$out" || { echo "$2: failed, but not with '$4': $out"; exit 1; }
	[ $((t1 - t0)) -le $(($1 + 10)) ] || { echo "$2: took $((t1 - t0)) s"; exit 1; }
	echo "$2: failed as it must in $((t1 - t0)) s"
}
expect_fail 120 "failing test" "$fx/fails.sh" "FAIL: deliberate failure"
expect_fail 120 "kernel panic" "$fx/panics.sh" "Kernel panic"
expect_fail 40 "hang" "$fx/hangs.sh" "timed out after 40s"

# A failure stays one failure: the test after it starts from a fresh module
# and device, not from the locked device the failed test left.
out=$("$run" --kver "$KVER" --timeout 300 --params lock_pcr=16 "$fx/breaks-state.sh" "$fx/needs-device.sh" 2>&1) &&
	{ echo "breaks-state: the run passed: $out"; exit 1; }
grep -q '^FAIL breaks-state' <<<"$out" && grep -q '^PASS needs-device' <<<"$out" ||
	{ echo "a failure cascaded into the next test: $out"; exit 1; }
echo "a failed test's state did not reach the next test"
