#!/usr/bin/env bash
# ledgerd's settings come from one table: every key of the shipped
# ledgerd.conf (commented ones too) is accepted in a file and listed in
# the usage as its flag; a flag overrides the file; an unknown key, a bad
# choice and a bad number are refused with what was wrong; and every
# subcommand of the table is in the usage, a wrong one is refused.
. "$(dirname "$0")/lib.sh"
conf=$top/ledgerd/ledgerd.conf
"$B/ledgerd" -h >"$T/usage" || fail "ledgerd -h exited $?"
keys=$(sed -n 's/^#\{0,1\}\([a-z_0-9]*\) = .*/\1/p' "$conf" | sort -u)
[ "$(wc -l <<<"$keys")" -ge 15 ] || fail "few keys in $conf: $keys"
for k in $keys; do
	grep -q -- "--${k//_/-} " "$T/usage" || fail "$k is not in the usage"
	grep "^#\{0,1\}$k = " "$conf" | head -n 1 | sed 's/^#//' >"$T/one.conf"
	# vkey reads the settings and the key: the line must be accepted.
	printf 'key = %s\n' "$T/node.pem" >>"$T/one.conf"
	"$B/ledgerd" -c "$T/one.conf" vkey >/dev/null 2>"$T/err" ||
		fail "$k: $(cat "$T/err")"
done

# The flag wins over the file: the origin names the verifier key.
printf 'origin = file.example/l\nkey = %s\n' "$T/node.pem" >"$T/o.conf"
[[ $("$B/ledgerd" -c "$T/o.conf" vkey) == file.example/l+* ]] || fail "file origin"
[[ $("$B/ledgerd" -c "$T/o.conf" --origin flag.example/l vkey) == flag.example/l+* ]] ||
	fail "the flag did not override the file"

refused() { # <expected message> <args...>
	local want=$1; shift
	if "$B/ledgerd" "$@" vkey >/dev/null 2>"$T/err"; then fail "accepted: $*"; fi
	grep -qF -- "$want" "$T/err" || fail "$*: $(cat "$T/err")"
}
printf 'no_such_key = 1\n' >"$T/bad.conf"
refused "unknown setting 'no_such_key'" -c "$T/bad.conf"
refused "netlink: 'maybe' is not one of auto|yes|no" -c /dev/null --netlink maybe
refused "http_port: '70000' is not a number from 0 to 65535" -c /dev/null --http-port 70000
refused "verify_all: 'perhaps' is not yes or no" -c /dev/null --verify-all perhaps

for s in check vkey genkey enroll feed; do
	grep -q "ledgerd \[options\] $s" "$T/usage" || fail "$s is not in the usage"
done
if "$B/ledgerd" -c /dev/null frobnicate 2>"$T/err"; then fail "an unknown subcommand ran"; fi
grep -q '^usage: ledgerd' "$T/err" || fail "no usage for an unknown subcommand"
if "$B/ledgerd" -c /dev/null vkey extra 2>"$T/err"; then fail "vkey took an extra argument"; fi
# --help after a subcommand is a question, an unknown option no file name:
# neither writes a key.
(cd "$T" && "$B/ledgerd" genkey --help >"$T/help") || fail "genkey --help failed"
grep -q '^usage: ledgerd' "$T/help" || fail "genkey --help printed no usage"
if (cd "$T" && "$B/ledgerd" genkey --bogus 2>/dev/null); then fail "genkey took --bogus as its file"; fi
[ ! -e "$T/--help" ] && [ ! -e "$T/--bogus" ] || fail "genkey wrote a key to a file named like an option"
echo "config ok"
