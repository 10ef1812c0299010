# The payload parser refuses malformed, oversized and truncated commands
# with a clear message and creates nothing; no oops.
szkm_device_up
for bad in "" "new" "new rot13" "new aes256-gcm rotate=" "new aes256-gcm rotate=0s" \
	"new aes256-gcm rotate=10y" "new aes256-gcm rotate=5s rotate=6s" "new aes256-gcm max_uses=x" \
	"new aes256-gcm ledger=maybe" "new aes256-gcm bogus=1" "load" "load zz" "load 00" \
	"load 5a4b4231" "import aes256-gcm" "import aes256-gcm 0011" "import aes256-gcm xyz" \
	"import ecdsa-p256 pub:04" "rotate" "destroy 1" "frobnicate"; do
	! keyctl add szkm p "$bad" @s >/dev/null 2>&1 || fail "accepted: '$bad'"
done
# NUL byte inside, and a payload over the limit.
! printf 'new aes256-gcm\0x' | keyctl padd szkm p @s >/dev/null 2>&1 || fail "accepted NUL"
! head -c 40000 /dev/zero | tr '\0' 'a' | keyctl padd szkm p @s >/dev/null 2>&1 || fail "accepted 40000 bytes"
# Bad names.
refuses "Invalid argument" keyctl add szkm "a:b" "new aes256-gcm" @s
refuses "Invalid argument" keyctl add szkm "$(printf 'x%.0s' $(seq 70))" "new aes256-gcm" @s
! keyctl search @s szkm p >/dev/null 2>&1 || fail "a refused command left a key"
dmesg | grep -q "unknown algorithm (not shown" || fail "no clear message for a bad algorithm"
# What was typed never reaches the kernel log: a mistyped import (the
# material where a word was expected) leaves no trace of the material.
m=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
for bad in "import $m" "$m" "new aes256-gcm $m=1" "new aes256-gcm $m"; do
	! keyctl add szkm p "$bad" @s >/dev/null 2>&1 || fail "accepted: '${bad:0:20}...'"
done
! dmesg | grep -q "${m:0:12}" || fail "the kernel log shows typed key material"
# max_uses stays within what AES-GCM with random nonces allows (2^32).
! keyctl add szkm p "new aes256-gcm max_uses=4294967297" @s >/dev/null 2>&1 || fail "max_uses above 2^32 accepted"
dmesg | grep -q "bad value for max_uses (1 to 2^32" || fail "no reason for the max_uses refusal"
k32=$(szkm_add u32 "new aes256-gcm max_uses=4294967296" @s)
ok keyctl unlink "$k32" @s
# Updates that make no sense.
k=$(szkm_add u "new aes256-gcm" @s)
for bad in "new aes256-gcm" "retire" "retire x" "destroy 0" "set" "set rotate=1q" "rotate now"; do
	! keyctl update "$k" "$bad" >/dev/null 2>&1 || fail "update accepted: '$bad'"
done
# Import needs CAP_SYS_ADMIN.
m=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
refuses "Operation not permitted" setpriv --reuid=65534 --regid=65534 --clear-groups \
	keyctl add szkm imp "import aes256-gcm $m" @s
szkm_add imp "import aes256-gcm $m" @s >/dev/null
# ledger=async (a version usable before the ledger has it) only on a test
# device: on one bound to a real lock PCR (15 here, capped until the next
# boot; the suite's devices use the resettable 16) it is refused, at
# creation, at import and as a policy change. Root gets no way around the
# ledger this way.
ok "$SZKMCTL" device init --force --lock-pcr 15 --out $T/p15.blob >/dev/null
refuses "Operation not permitted" keyctl add szkm as1 "new aes256-gcm ledger=async" @s
dmesg | grep -q "'as1': ledger=async is for test devices only" || fail "no reason for the async refusal"
refuses "Operation not permitted" keyctl add szkm as2 "import aes256-gcm $m ledger=async" @s
szkm_listener_up
a=$(szkm_add as3 "new aes256-gcm" @s)
refuses "Operation not permitted" keyctl update "$a" "set ledger=async"
ok "$SZKMCTL" device init --force --out /run/szkm-device.blob >/dev/null
szkm_listener_up
dmesg_clean
