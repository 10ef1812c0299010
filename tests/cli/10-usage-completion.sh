#!/usr/bin/env bash
# szkmctl on the host, no module needed: every subcommand's --help prints
# its usage to stdout and exits 0; bad input is one line on stderr naming
# what was wrong, nothing on stdout, exit 2. The bash completion completes
# the subcommands that `szkmctl --help` lists (one and two words), each
# one's options and fixed values, key names from `szkmctl key list`, files
# and folders, the words of `key policy` and user names for `key grant`.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
SZKMCTL=$top/build/bin/szkmctl
T=$(mktemp -d /tmp/szkmctl-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$SZKMCTL" ] || fail "build/bin/szkmctl is not built (make userspace)"

# The subcommands, as the tool lists them.
mapfile -t cmds < <("$SZKMCTL" --help | sed -n 's/^  \([a-z]\+\( [a-z]\+\)\?\)  .*/\1/p')
[ ${#cmds[@]} -ge 20 ] || fail "szkmctl --help lists ${#cmds[@]} subcommands"

for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086
	out=$("$SZKMCTL" $c --help 2>$T/err) || fail "$c --help exits $?"
	grep -q "^Usage: szkmctl $c" <<<"$out" || fail "$c --help: $(head -1 <<<"$out")"
	[ ! -s $T/err ] || fail "$c --help writes to stderr: $(cat $T/err)"
done

# bad <expected text> <args...>: exit 2, one line on stderr with the text.
bad() {
	local want=$1 rc=0 out; shift
	out=$("$SZKMCTL" "$@" 2>$T/err) || rc=$?
	[ $rc = 2 ] || fail "szkmctl $*: exit $rc, not 2"
	[ -z "$out" ] || fail "szkmctl $*: wrote to stdout: $out"
	[ "$(wc -l <$T/err)" = 1 ] || fail "szkmctl $*: not one line: $(cat $T/err)"
	grep -qF -- "$want" $T/err || fail "szkmctl $*: expected '$want', got: $(cat $T/err)"
}
bad "unexpected argument 'extra'" status extra
bad "unknown option '--bogus'" device status --bogus
bad "--out needs a value" device init --out
bad "'3' is not a PCR from 8 to 15" device init --lock-pcr 3
bad "unexpected argument 'x'" device unseal x
bad "unknown option '--x'" tpm info --x
bad "--count: 'x' is not a number" events listen --count x
bad "which name?" key create
bad "--alg is needed" key create db
bad "'a:b' is not a key name" key create a:b --alg aes256-gcm
bad "--alg: 'rot13' is not aes256-gcm" key create db --alg rot13
bad "--rotate: a period is a number and a unit" key create db --alg aes256-gcm --rotate 10y
bad "--max-uses: '0' is not a number from 1 to 4294967296" key create db --alg aes256-gcm --max-uses 0
bad "--ledger: 'maybe' is not required or async" key create db --alg aes256-gcm --ledger maybe
bad "--keyring: '@q' is not" key create db --alg aes256-gcm --keyring @q
bad "--wait: '0' is not a number" key create db --alg aes256-gcm --wait 0
bad "unexpected argument 'extra'" key list extra
bad "which key?" key show
bad "which key?" key rotate
bad "which version?" key retire db
bad "VERSION: 'x' is not a number" key destroy db x
bad "which policy?" key policy db
bad "which user?" key grant db
bad "'no-such-user-x' is no user name and no uid" key revoke db no-such-user-x
bad "unknown option '--x'" key grant db root --x
bad "'bogus=1': not a policy option" key policy db bogus=1
bad "that option is given twice" key policy db rotate=5s rotate=6s
bad "--version: '0' is not a number" key pub db --version 0
bad "which key?" key export --out x
bad "--out FILE is needed" key export db
bad "unexpected argument 'y'" key export db y --out x
bad "give one of --key-id, --key, --all and --bundle" verify --ledger http://x --all --bundle f
bad "--dir needs a value" state save --dir
bad "--timeout: '0' is not a number" state restore --timeout 0
bad "--keyring: 'x' is not" state restore --keyring x
bad "no subcommand \`key frob'" key frob
bad "no subcommand \`frob'" frob

# Completion, with `szkmctl` a function that stands in for the tool: key
# list prints two keys; everything else goes to the real one.
szkmctl() {
	if [ "$1 $2" = "key list" ]; then
		printf '%s\n' "SERIAL     NAME    ALG        ACTIVE VERSIONS WAITING KEYRING" \
			"11         db      aes256-gcm v2     2        -       @u" \
			"12         signer  ecdsa-p256 v1     1        -       @s"
	else
		"$SZKMCTL" "$@"
	fi
}
# shellcheck source=userspace/szkmctl/szkmctl.bash-completion
. "$top/userspace/szkmctl/szkmctl.bash-completion"
complete -p szkmctl | grep -q -- '-F _szkmctl' || fail "no completion registered"

# comp <words...>: completes the last word (may be ""); COMPREPLY sorted in $got.
comp() {
	COMP_WORDS=(szkmctl "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	_szkmctl
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	got=${got% }
}
expect() { # <want> <words...>
	local want=$1; shift
	comp "$@"
	[ "$got" = "$want" ] || fail "completing 'szkmctl $*': got '$got', want '$want'"
}
expect "device" de
expect "key" k
expect "create destroy encrypt export grant list policy pub retire revoke rotate show" key ""
expect "create" key cr
expect "restore save" state ""
expect "info provision" tpm ""
# Every subcommand `szkmctl --help` lists completes, both words.
for c in "${cmds[@]}"; do
	read -r w1 w2 <<<"$c"
	comp "${w1:0:2}"
	[[ " $got " == *" $w1 "* ]] || fail "'$w1' does not complete (got '$got')"
	if [ -n "$w2" ]; then
		comp "$w1" ""
		[[ " $got " == *" $w2 "* ]] || fail "'$c' does not complete (got '$got')"
	fi
done
# Options per subcommand, and their values.
expect "--alg" key create db --a
expect "aes256-gcm ecdh-p256 ecdsa-p256" key create db --alg ""
expect "ecdh-p256 ecdsa-p256" key create db --alg ec
expect "async required" key create db --alg aes256-gcm --ledger ""
expect "@p @s @t @u @us" key create db --keyring ""
expect "--wait" key rotate db --w
expect "--device --dir" state save --d
expect "--dir" state restore --di
expect "--json" key list --j
expect "--out" key export db --o
expect "--bundle" verify --b
# Key names for KEY, and only there.
expect "db signer" key show ""
expect "signer" key rotate s
expect "db" key retire d
expect "" key retire db ""
expect "db" key policy --wait 10 d
expect "max_uses= min_version=" key policy db m
expect "ledger=async ledger=required" key policy db rotate=30d le
expect "db" key grant d
expect "root" key grant db roo
expect "--wait" key revoke db root --w
expect "" key create ""
expect "db signer" key export ""
# Files and folders.
mkdir -p $T/blobs/sub && touch $T/blobs/device.blob
expect "$T/blobs/device.blob $T/blobs/sub" device unseal --in $T/blobs/
expect "$T/blobs/sub" state save --dir $T/blobs/
expect "$T/blobs/device.blob $T/blobs/sub" verify --bundle $T/blobs/
echo "PASS: usage of ${#cmds[@]} subcommands, bad input, completion"
