# tests/tools: fscrypt_tool, the fscrypt ioctls the consumer tests use
# (add a key by keyring key id, which Debian's fscryptctl cannot).
BINS += $(BUILD)/bin/fscrypt_tool

$(BUILD)/bin/fscrypt_tool: $(BUILD)/tests/tools/fscrypt_tool.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^
