# R and E never cross the TPM interface in clear. A capture is two boots on
# one TPM whose every command and response swtpm logs (run.sh --tpm-log):
# device init seals R and E (TPM2_Create), then unseals load and unseal them
# (TPM2_Load, TPM2_Unseal), in the next boot and, as the lock PCR allows, in
# the same one; see steps/tpm-bus.sh. After it the host restarts a copy of
# that TPM (PCRs at their reset values), makes the storage parent from the
# TCG SRK template, and unseals the blob's R and E with tpm2-tools: through
# a policy session (PolicyPCR over the lock PCR and the boot PCRs) when the
# blob has a TPM binding, directly when it has none (format 1). Then:
#  - a module built with -DSZKM_TPM2_TEST_CLEAR (secrets sent without
#    parameter encryption) must show R and E in its capture: the search
#    finds what is there;
#  - kmod/szkm.ko must show neither, nor any 16 bytes in a row of either, in
#    any command or response of its capture.
# Both captures must hold the module's TPM2_Create of R and E, its
# TPM2_Load of each sealed object (their public areas) and its TPM2_Unseal.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
d=$(mktemp -d)
cleanup() {
	local p
	for p in "$d"/*/host.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
	rm -rf "$d"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$top/tests/until.sh"

# bytes <file> <offset> <length>: those bytes of the file.
bytes() { tail -c +$(($2 + 1)) "$1" | head -c "$3"; }
hex() { xxd -p "$@" | tr -d '\n'; }

. "$top/tests/vm/lib-variant.sh"

# capture <name> [run.sh options]: boots "init" and "same" on a new TPM kept
# in $d/<name>/tpm, each logging its TPM traffic to $d/<name>/bus-<mode>.log.
capture() {
	local n=$1 m; shift
	mkdir -p "$d/$n/tpm" "$d/$n/share"
	for m in init same; do
		echo "$m" >"$d/$n/share/mode"
		"$top/tests/vm/run.sh" --kver "$KVER" --tpm "$d/$n/tpm" --share "$d/$n/share" \
			--tpm-log "$d/$n/bus-$m.log" "$@" "$top/tests/vm/steps/tpm-bus.sh"
	done
}

# messages <log>...: one line per message swtpm logged: "C <cc> - <hex>" for
# a command, "R <cc> <rc> <hex>" for its response (cc of that command),
# "c"/"r" for the control channel. Fails on a message cut short.
messages() {
	awk '
	function done() {
		if (kind == "") return
		if (length(h) != 2 * want) {
			printf "%s: a %s of %d bytes has %d\n", FILENAME, kind, want, length(h) / 2 >"/dev/stderr"
			bad = 1
		}
		if (kind == "C") { cc = substr(h, 13, 8); print "C", cc, "-", h }
		else if (kind == "R") print "R", cc, substr(h, 13, 8), h
		else print kind, "-", "-", h
		kind = ""
	}
	/^ (SWTPM_IO_Read|SWTPM_IO_Write|Ctrl Cmd|Ctrl Rsp): length [0-9]+$/ {
		done()
		kind = index($0, "SWTPM_IO_Read") ? "C" : index($0, "SWTPM_IO_Write") ? "R" : index($0, "Cmd") ? "c" : "r"
		want = $NF + 0; h = ""
		if (want == 0) done()
		next
	}
	kind != "" && /^( [0-9A-F][0-9A-F])+ $/ {
		gsub(/ /, ""); h = h tolower($0)
		if (length(h) >= 2 * want) done()
		next
	}
	kind != "" { done() }	# another line inside a message: it is cut short
	END { done(); exit bad }' "$@"
}

# count <messages> <C|R> <cc>: successful commands with that code (by their
# responses, rc 0).
count() { awk -v k="$2" -v cc="$3" '$1 == k && $2 == cc && (k == "C" || $3 == "00000000")' "$1" | wc -l; }

# where <messages> <hex>...: the messages that hold any <hex> at a byte
# boundary, as "TPM2_Unseal response" etc., one line each.
where() {
	local m=$1; shift
	awk -v needles="$*" '
	function at(s, n,   off, i) {
		off = 0
		while ((i = index(substr(s, off + 1), n)) > 0) {
			off += i
			if (off % 2 == 1) return 1
		}
		return 0
	}
	BEGIN {
		name["00000153"] = "TPM2_Create"; name["00000157"] = "TPM2_Load"
		name["0000015e"] = "TPM2_Unseal"; name["00000131"] = "TPM2_CreatePrimary"
		name["00000176"] = "TPM2_StartAuthSession"
		nn = split(needles, n, " ")
	}
	{
		for (i = 1; i <= nn; i++) if (at($4, n[i])) break
		if (i > nn) next
		c = ($2 in name) ? name[$2] : $2 == "-" ? "control" : "command 0x" $2
		print c, (($1 == "C" || $1 == "c") ? "command" : "response")
	}' "$m"
}

# host_unseal <name>: the blob's R and E, unsealed on a restarted copy of
# the TPM, into $d/<name>/R and $d/<name>/E; prints how.
host_unseal() {
	local r=$d/$1 b=$d/$1/share/device.blob size off len n=0 i s bits list pcr fR fE fB
	local -a offs lens
	[ -f "$b" ] || fail "$1: the guest left no device blob"
	[ "$(bytes "$b" 0 4)" = SZKD ] || fail "$1: the device blob has no SZKD magic"
	i=$((16#$(hex -s 5 -l 1 "$b")))
	[ $((i & 1)) -eq 0 ] || fail "$1: the device blob was made in test mode (no TPM)"
	[ $((i & 2)) -eq 0 ] || fail "$1: the device blob needs a PIN; this test sets none"
	size=$(stat -c %s "$b") off=8
	while [ $off -lt "$size" ]; do
		len=$((16#$(hex -s $off -l 2 "$b")))
		offs[n]=$((off + 2)) lens[n]=$len
		off=$((off + 2 + len)) n=$((n + 1))
	done
	[ $off -eq "$size" ] || fail "$1: the device blob's last field runs past its end"
	# Fields: parent name, public key, [TPM binding,] sealed R, sealed E,
	# [ledger keys,] wrapped D.
	case $n in
	7) fR=3 fE=4 fB=2 ;;
	*) fail "$1: the device blob has $n fields, not 7 (format 4)" ;;
	esac
	[ "${lens[0]}" = 34 ] || fail "$1: the blob's parent name has ${lens[0]} bytes, not 34"
	bytes "$b" "${offs[0]}" 34 >"$r/parent.blobname"

	cp -r "$r/tpm" "$r/tpm-copy"
	rm -f "$r/tpm-copy/.lock"
	swtpm socket --tpm2 --tpmstate dir="$r/tpm-copy" --server type=unixio,path="$r/host.sock" \
		--ctrl type=unixio,path="$r/host.sock.ctrl" --flags startup-clear,not-need-init \
		--pid file="$r/host.pid" -d || fail "$1: swtpm did not start on the copy of the TPM"
	until_ok 5 test -S "$r/host.sock" -a -S "$r/host.sock.ctrl" || fail "$1: swtpm made no socket"
	export TPM2TOOLS_TCTI=swtpm:path=$r/host.sock
	# No resource manager here: flush what each tool leaves loaded.
	flush() { tpm2_flushcontext -t && tpm2_flushcontext -s; }

	head -c 64 /dev/zero | tpm2_createprimary -Q -C o -g sha256 -G ecc256:aes128cfb \
		-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt' \
		-u - -c "$r/parent.ctx" || fail "$1: TPM2_CreatePrimary with the SRK template failed"
	tpm2_readpublic -Q -c "$r/parent.ctx" -n "$r/parent.name" && flush || fail "$1: reading the parent's name failed"
	cmp -s "$r/parent.name" "$r/parent.blobname" ||
		fail "$1: the SRK template gives the parent $(hex "$r/parent.name"), the blob names $(hex "$r/parent.blobname")"

	if [ -n "$fB" ]; then
		# lock PCR u8 | boot PCRs be32 | counter index be32 |
		# counter value be64 | policy digest [32] | boot PCR values [32 each]
		[ "${lens[fB]}" -ge 49 ] || fail "$1: the blob's TPM binding has ${lens[fB]} bytes, fewer than 49"
		pcr=$((16#$(hex -s "${offs[fB]}" -l 1 "$b")))
		bits=$((16#$(hex -s $((offs[fB] + 1)) -l 4 "$b")))
		nv=0x$(hex -s $((offs[fB] + 5)) -l 4 "$b")
		bytes "$b" $((offs[fB] + 9)) 8 >"$r/counter"
		bytes "$b" $((offs[fB] + 17)) 32 >"$r/policy.blob"
		[ $(((bits >> pcr) & 1)) -eq 0 ] || fail "$1: the lock PCR $pcr is among the boot PCRs"
		# The policy's PCR values in ascending PCR order: the lock PCR at
		# reset (zeros), each boot PCR as it was at init.
		: >"$r/pcrs.bin"
		list= s=0
		for i in $(seq 0 23); do
			if [ "$i" = "$pcr" ]; then
				head -c 32 /dev/zero >>"$r/pcrs.bin"
			elif [ $(((bits >> i) & 1)) -eq 1 ]; then
				bytes "$b" $((offs[fB] + 49 + 32 * s)) 32 >>"$r/pcrs.bin"
				s=$((s + 1))
			else
				continue
			fi
			list=${list:+$list,}$i
		done
		[ "${lens[fB]}" = $((49 + 32 * s)) ] ||
			fail "$1: the blob's TPM binding has ${lens[fB]} bytes for $s boot PCRs"
		# Boot PCRs had firmware measurements in them at init; the copy's are at reset.
		cmp -s "$r/pcrs.bin" <(head -c $((32 * (s + 1))) /dev/zero) ||
			fail "$1: the blob is bound to boot PCRs ($list) that were not at their reset values at init; the host cannot satisfy that policy"
		echo "policy session: PolicyPCR over sha256:$list at reset, PolicyNV($nv == $(hex "$r/counter"))"
	else
		echo "no policy (a blob without a TPM binding)"
	fi

	for s in R E; do
		if [ $s = R ]; then i=$fR; else i=$fE; fi
		bytes "$b" "${offs[i]}" "${lens[i]}" >"$r/sealed$s"
		len=$((2 + 16#$(hex -l 2 "$r/sealed$s")))
		[ "$len" -lt "${lens[i]}" ] || fail "$1: sealed $s: its TPM2B_PRIVATE fills the field"
		bytes "$r/sealed$s" 0 "$len" >"$r/$s.priv"
		bytes "$r/sealed$s" "$len" $((lens[i] - len)) >"$r/$s.pub"
		tpm2_load -Q -C "$r/parent.ctx" -u "$r/$s.pub" -r "$r/$s.priv" -c "$r/$s.ctx" && flush ||
			fail "$1: TPM2_Load of the sealed $s failed"
		if [ -n "$fB" ]; then
			tpm2_startauthsession -Q --policy-session -S "$r/session.ctx" &&
				tpm2_policypcr -Q -S "$r/session.ctx" -l "sha256:$list" -f "$r/pcrs.bin" ||
				fail "$1: TPM2_PolicyPCR over sha256:$list at reset values failed"
			tpm2_policynv -Q -S "$r/session.ctx" -i "$r/counter" -L "$r/policy" "$nv" eq ||
				fail "$1: TPM2_PolicyNV($nv == $(hex "$r/counter")) failed"
			cmp -s "$r/policy" "$r/policy.blob" ||
				fail "$1: PolicyPCR over sha256:$list and PolicyNV give $(hex "$r/policy"), the blob records $(hex "$r/policy.blob")"
			tpm2_unseal -Q -c "$r/$s.ctx" -p "session:$r/session.ctx" -o "$r/$s" ||
				fail "$1: TPM2_Unseal of the sealed $s through the policy session failed"
		else
			tpm2_unseal -Q -c "$r/$s.ctx" -o "$r/$s" || fail "$1: TPM2_Unseal of the sealed $s failed"
		fi
		flush || fail "$1: flushing the TPM's objects and sessions failed"
		[ "$(stat -c %s "$r/$s")" = 32 ] || fail "$1: $s unsealed to $(stat -c %s "$r/$s") bytes, not 32"
		# Its public area in hex: the capture must show it at Create and Load.
		hex "$r/$s.pub" >"$r/$s.pubhex"
	done
	! cmp -s "$r/R" "$r/E" || fail "$1: R and E are the same bytes"
	kill "$(cat "$r/host.pid")"
	rm -f "$r/host.pid"
}

# scan <name>: the capture's messages, checked to hold the module's seal
# and unseal of this blob; prints what they hold.
scan() {
	local r=$d/$1 s
	messages "$r"/bus-init.log "$r"/bus-same.log >"$r/msgs" || fail "$1: the TPM log has a message cut short"
	[ "$(count "$r/msgs" R 00000153)" -ge 2 ] || fail "$1: no TPM2_Create of R and E in the capture"
	[ "$(count "$r/msgs" R 00000157)" -ge 2 ] || fail "$1: no TPM2_Load of R and E in the capture"
	[ "$(count "$r/msgs" R 0000015e)" -ge 2 ] || fail "$1: no TPM2_Unseal of R and E in the capture"
	for s in R E; do
		where "$r/msgs" "$(cat "$r/$s.pubhex")" >"$r/$s.pubwhere"
		grep -qx 'TPM2_Create response' "$r/$s.pubwhere" ||
			fail "$1: the sealed $s's public area is in no TPM2_Create response"
		grep -qx 'TPM2_Load command' "$r/$s.pubwhere" ||
			fail "$1: the sealed $s's public area is in no TPM2_Load command"
	done
	echo "$1: $(grep -c '^C' "$r/msgs") TPM commands in 2 boots;" \
		"TPM2_Create x$(count "$r/msgs" R 00000153), TPM2_Load x$(count "$r/msgs" R 00000157)," \
		"TPM2_Unseal x$(count "$r/msgs" R 0000015e) succeeded"
}

# found <name> <R|E> [window]: the messages of the capture that hold the
# secret or (window) any 16 bytes in a row of it, as "<n> x <message>".
found() {
	local r=$d/$1 x k w
	x=$(hex "$r/$2")
	w=$x
	if [ -n "${3:-}" ]; then
		w=
		for k in $(seq 0 2 32); do w+=" ${x:k:32}"; done
	fi
	# shellcheck disable=SC2086
	where "$r/msgs" $w | sort | uniq -c | sed 's/^ *\([0-9]*\) /\1 x /' | paste -sd, | sed 's/,/, /g'
}

# First the test build: the search must find R and E where they are sent.
ko=$(build_variant SZKM_TPM2_TEST_CLEAR "$d")
capture clear --module "$ko"
how=$(host_unseal clear)
echo "clear: R and E unsealed on the host, $how"
scan clear
for s in R E; do
	w=$(found clear $s)
	[ -n "$w" ] || fail "clear: the test build's $s ($(hex "$d/clear/$s")) is nowhere in its capture: the search misses what is there, or the build does not send $s in clear"
	echo "clear: $s found in clear, as it must be in this build: $w"
done

# Then kmod/szkm.ko: neither secret, nor any 16 bytes of one, anywhere.
capture szkm
how=$(host_unseal szkm)
echo "szkm: R and E unsealed on the host, $how"
scan szkm
leaks=
for s in R E; do
	w=$(found szkm $s window)
	if [ -n "$w" ]; then
		leaks+="${leaks:+; }$s ($(hex "$d/szkm/$s")) in $w"
	else
		echo "szkm: no 16 bytes in a row of $s in any TPM command or response"
	fi
done
[ -z "$leaks" ] || fail "szkm: secrets cross the TPM interface in clear: $leaks"
