#!/usr/bin/env bash
# Runs cmocka unit-test binaries with TAP output and counts every test case.
# A binary that dies without reporting counts as one failure.
#   run-unit.sh [--summary FILE] binary...
set -uo pipefail
summary=
if [ "${1:-}" = --summary ]; then summary=$2; shift 2; fi
pass=0 fail=0
for b in "$@"; do
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$b" 2>&1); rc=$?
	p=$(grep -c '^ok ' <<<"$out"); f=$(grep -c '^not ok ' <<<"$out")
	if [ "$f" -gt 0 ] || [ $rc -ne 0 ] || [ "$p" -eq 0 ]; then
		echo "FAIL $(basename "$b") (exit $rc)"
		sed 's/^/  | /' <<<"$out" | grep -v '^  | ok ' | tail -n 40
		[ "$f" -gt 0 ] || f=1
	else
		echo "PASS $(basename "$b"): $p cases"
		grep '^# ' <<<"$out" | sed 's/^/  /' || true
	fi
	pass=$((pass + p)); fail=$((fail + f))
done
[ -n "$summary" ] && echo "$pass $fail" >"$summary"
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
