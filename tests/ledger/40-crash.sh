#!/usr/bin/env bash
# Crash safety: ledgerd killed with SIGKILL at random points of a stream of
# appends, 100 times, restarted each time (crash.py says what is checked).
. "$(dirname "$0")/lib.sh"
"$B/ledger-testtool" keygen "$T/dev.pem"
"$B/ledger-testtool" events "$T/dev.pem" 30000 >"$T/ev"
python3 "$top/tests/ledger/crash.py" "$B" "$T" "$T/ev" "${LEDGER_CRASH_ROUNDS:-100}" "${LEDGER_CRASH_SEED:-$RANDOM}"
