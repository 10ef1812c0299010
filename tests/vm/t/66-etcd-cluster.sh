# The multi-node ledger for the guest's kernel: three etcd members and
# three ledgerd nodes on the guest's loopback (etcd is the host's
# /usr/bin/etcd over the 9p root; tests/ledger/lib-etcd.sh starts them),
# node 1 listening to the kernel. The device believes only checkpoints
# signed by 2 of the 3 node keys, so each event leaves its journal only on
# a cosigned checkpoint. A second device (the testtool's) writes through
# node 2. Node loss: the etcd leader and node 3 are SIGKILLed while events
# flow; the kernel's events are still proven, the killed ones come back
# and catch up. Quorum loss: with two members down nothing is appended;
# the kernel keeps its events, the changes wait (fail closed), and one
# node alone (a node that went around etcd) cannot free them; once the
# members are back the journal drains in order and every node agrees.
szkm_device_up
. "$SZKM_TOP/tests/vm/lib-ledgerd.sh"
stop_listener
B=$SZKM_TOP/build/bin
cleanup() { :; }	# $T is the harness's
# TCG is slow: elections and requests get room (etcd's defaults: 100 ms
# heartbeats, a 1 s election timeout).
ETCD_OPTS=(--heartbeat-interval 250 --election-timeout 2500)
ETCD_TIMEOUT_MS=5000
NETLINK_NODE=1
. "$SZKM_TOP/tests/ledger/lib-etcd.sh"

start_etcd
for i in 1 2 3; do start_node "$i"; done
URL=http://127.0.0.1:$P1	# lib-ledgerd's get and check_chain ask node 1
ok "$SZKMCTL" device init --force --out $T/device.blob --ledger-key "${VK[1]}" \
	--ledger-key "${VK[2]}" --ledger-key "${VK[3]}" --ledger-threshold 2 >/dev/null
"$SZKMCTL" status | grep -q '^ledger: *2 of' || fail "status: $("$SZKMCTL" status | grep ledger:)"
dev=$("$SZKMCTL" device identity | sed -n 's/^id: *//p')
pub=$("$SZKMCTL" device identity | sed -n 's/^pubkey: *//p')
ok "$L" -c /dev/null --control-socket $T/c1 enroll guest-kernel "$pub" >/dev/null
drained
a=$(keyctl add szkm etcd-a "new aes256-gcm" @s) || fail "keyctl add etcd-a"
wait_state "$a" 1 active
ok keyctl update "$a" rotate
wait_state "$a" 2 active
drained
ksize=$("$SZKMCTL" status --json | jq -r .ledger_size)
[ "$ksize" -ge 4 ] || fail "kernel's proven size $ksize"

# The second device, through node 2.
ok "$LT" keygen $T/b.pem
"$LT" events $T/b.pem 30 5 >$T/b.all
ok "$L" -c /dev/null --control-socket $T/c2 enroll dev-b $T/b.pem >/dev/null
head -n 10 $T/b.all | feed_to 2 >$T/acks
[ "$(grep -c '^ok ' $T/acks)" = 10 ] || fail "device B: $(sort $T/acks | uniq -c)"
size=$(size_of 2)
expect_converged "$size"
[ "$(signers 1)" -ge 2 ] || fail "node 1 serves a checkpoint with fewer than 2 node signatures"
check_chain "$dev" "$(last_seq)"
echo "etcd-cluster: kernel proven to $ksize with 2 of 3, two devices, nodes agree at $size (${SECONDS}s)"

# Node loss while the kernel's events flow: the leader and node 3 die.
ok keyctl update "$a" rotate
lead=$(etcd_leader) || fail "no etcd leader"
stop_member "$lead" KILL
kill -9 "${PIDS[3]}"; wait "${PIDS[3]}" 2>/dev/null || true; PIDS[3]=
sed -n 11,20p $T/b.all | feed_to 2 >$T/acks
[ "$(grep -c '^ok ' $T/acks)" = 10 ] || fail "device B with e$lead and node 3 down: $(sort $T/acks | uniq -c)"
wait_state "$a" 3 active
b=$(keyctl add szkm etcd-b "new aes256-gcm" @s) || fail "keyctl add etcd-b"
wait_state "$b" 1 active
drained
[ "$("$SZKMCTL" status --json | jq -r .ledger_size)" -gt "$ksize" ] || fail "the kernel's proven size did not grow"
start_member "$lead"
until_ok 60 etcd_up || fail "member e$lead did not rejoin: $(tail -n 5 $T/etcd$lead.log)"
start_node 3
size=$(size_of 1)
expect_converged "$size"
[ "$(etcd_head "$lead")" = "$size" ] || fail "member e$lead did not catch up"
[ "$(signers 3)" -ge 2 ] && "$LT" verify-note "${VK[3]}" $T/cp.3 >/dev/null ||
	fail "node 3 does not sign after its restart"
check_chain "$dev" "$(last_seq)"
echo "etcd-cluster: e$lead and node 3 killed and back; kernel proven on, nodes agree at $size (${SECONDS}s)"

# Quorum loss: two members down. The kernel's events wait in its
# journal, the new version stays pending, and further changes of the key
# are refused until the ledger holds the first.
others=()
for m in 1 2 3; do [ "$m" = "$lead" ] || others+=("$m"); done
stop_member "${others[0]}" KILL
stop_member "${others[1]}" KILL
mark=$(wc -l <$T/n1.log)
ok keyctl update "$a" rotate
c=$(keyctl add szkm etcd-c "new aes256-gcm" @s) || fail "keyctl add etcd-c"
quorum_said() { tail -n +$((mark + 1)) $T/n1.log | grep -q 'etcd: no quorum'; }
until_ok 60 quorum_said || fail "node 1 did not say 'no quorum': $(tail -n 5 $T/n1.log)"
[ "$(state_of "$a" 4)" = pending ] && [ "$(state_of "$c" 1)" = pending ] ||
	fail "versions active without a quorum: a v4 $(state_of "$a" 4), c v1 $(state_of "$c" 1)"
n=$(waiting); [ "$n" -ge 2 ] || fail "journal: $n waiting, expected at least 2"
refuses "busy" keyctl update "$a" rotate
out=$(sed -n 21p $T/b.all | feed_to 2) && fail "device B appended without a quorum: $out"
[[ $out == *"etcd: no quorum"* ]] || fail "device B without quorum: $out"
# One node going around etcd (its own tree over the journal, signed with
# its own key): one signature, 2 needed; the journal is unchanged.
out=$("$LT" prove $T/n1.pem node1.test.example honest) && fail "one node's checkpoint accepted: $out"
[[ $out == *"not signed by enough enrolled ledger keys"* ]] || fail "one node's proof: $out"
[ "$(waiting)" = "$n" ] && [ "$(state_of "$a" 4)" = pending ] || fail "a refused proof changed the journal"
for i in 1 2 3; do [ "$(size_of "$i")" = "$size" ] || fail "node $i moved without a quorum"; done
echo "etcd-cluster: without quorum $n events wait in the kernel's journal, nothing appended (${SECONDS}s)"

# Back: the journal drains in order, every node agrees.
start_etcd
wait_state "$a" 4 active
wait_state "$c" 1 active
drained
sed -n 21,30p $T/b.all | feed_to 2 >$T/acks
[ "$(grep -c '^ok ' $T/acks)" = 10 ] || fail "device B after the quorum: $(sort $T/acks | uniq -c)"
size=$(size_of 2)
expect_converged "$size"
check_chain "$dev" "$(last_seq)"
for i in 1 2 3; do
	hget "$i" "/entries?start=0&end=$size" | jq -e --argjson n "$size" '[.entries[].index] == [range($n)]' >/dev/null ||
		fail "node $i: indices not contiguous"
done
echo "etcd-cluster: drained in order after the quorum came back; nodes agree at $size (${SECONDS}s)"
for i in 1 2 3; do kill "${PIDS[i]}"; done
stop_etcd
keyctl unlink "$a" @s >/dev/null; keyctl unlink "$b" @s >/dev/null; keyctl unlink "$c" @s >/dev/null

# Back to a device without ledger keys for the listener of later tests.
ok "$SZKMCTL" device init --force --out /run/szkm-device.blob >/dev/null
szkm_listener_up
dmesg_clean
