# Step of h/tpm-state.sh. Mode "mark": make a persistent object at
# 0x81000010 in this guest's TPM. Mode "present"/"absent": the object must
# (kept TPM state) or must not (a different TPM) be there.
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
mode=$(cat "$SZKM_SHARE/mode")
has() { tpm2_getcap handles-persistent | grep -qi 0x81000010; }
case $mode in
mark)
	ok tpm2_createprimary -Q -C o -c $T/p.ctx
	ok tpm2_evictcontrol -Q -C o -c $T/p.ctx 0x81000010
	has || fail "object not persisted" ;;
present) has || fail "kept TPM state lost the object" ;;
absent) ! has || fail "a fresh TPM has the other TPM's object" ;;
*) fail "unknown mode $mode" ;;
esac
