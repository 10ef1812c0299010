# Outside vectors through the real keyctl path: every Wycheproof case of
# ECDSA P-256/SHA-256 verify (imported public keys), ECDH P-256 (imported
# private keys opening ECIES ciphertexts built from the vector's shared
# secret) and AES-256-GCM (96-bit IV, 128-bit tag: the vector's ciphertext
# through pkey_decrypt enc=gcm, and an szkm round trip) gives the vector's
# result. build/bin/vectors_keyctl prints the counts per file; with
# --share they also land on the host.
szkm_device_up
tool=$SZKM_TOP/build/bin/vectors_keyctl
[ -f "$SZKM_VECTORS/wycheproof/ecdsa_secp256r1_sha256_test.json" ] ||
	fail "no Wycheproof vectors under $SZKM_VECTORS"
rc=0
"$tool" "$SZKM_VECTORS" >$T/out 2>&1 || rc=$?
cat $T/out
! grep -q " $SZKM_SHARE " /proc/mounts || cp $T/out "$SZKM_SHARE/vectors-$(uname -r).txt"
[ $rc = 0 ] || fail "vectors_keyctl exit $rc"
grep -q '^ecdsa verify: 484 cases,' $T/out || fail "ECDSA count"
grep -q '^ecdh (ECIES decrypt): 355 cases,' $T/out || fail "ECDH count"
grep -q '^aes-gcm .*: 66 cases,' $T/out || fail "AES-GCM count"

# Each case imports a key, so ~900 events: the ledger stand-in (lib.sh's
# listener) must acknowledge them all, or later tests find a dead listener.
for i in $(seq 60); do
	"$SZKMCTL" status | grep -q '^events: .*, 0 waiting' && break
	kill -0 "$(cat /run/szkm-listen.pid)" 2>/dev/null || break
	sleep 0.5
done
"$SZKMCTL" status | grep -q '^events: .*, 0 waiting' ||
	fail "the event listener did not keep up with the vector run's imports:" \
		"$("$SZKMCTL" status | grep '^events:'); listener pid $(cat /run/szkm-listen.pid)" \
		"$(kill -0 "$(cat /run/szkm-listen.pid)" 2>/dev/null && echo alive || echo gone)"

# The checker can fail: one wrong expectation per file, three mismatches.
mkdir -p $T/bad/wycheproof
python3 - "$SZKM_VECTORS/wycheproof" $T/bad/wycheproof <<'PY'
import json, sys
src, dst = sys.argv[1:]
def first(name, pick, spoil):
    d = json.load(open(f"{src}/{name}"))
    g = next(g for g in d["testGroups"] if pick(g))
    g["tests"] = g["tests"][:2]
    spoil(g["tests"][0])
    d["testGroups"] = [g]
    json.dump(d, open(f"{dst}/{name}", "w"))
def flip(t, k):
    b = bytearray.fromhex(t[k]); b[0] ^= 1; t[k] = b.hex()
first("ecdsa_secp256r1_sha256_test.json", lambda g: True,
      lambda t: t.update(result="invalid" if t["result"] == "valid" else "valid"))
first("ecdh_secp256r1_ecpoint_test.json", lambda g: True, lambda t: flip(t, "shared"))
first("aes_gcm_test.json", lambda g: g["keySize"] == 256 and g["ivSize"] == 96,
      lambda t: flip(t, "msg"))
PY
rc=0
"$tool" $T/bad >$T/badout 2>&1 || rc=$?
[ $rc = 1 ] || { cat $T/badout; fail "spoilt vectors: exit $rc, not 1"; }
[ "$(grep -c '^MISMATCH' $T/badout)" = 3 ] || { cat $T/badout; fail "spoilt vectors: not 3 mismatches"; }
dmesg_clean
