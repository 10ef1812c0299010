# Unit tests of the foundation (cmocka; run with TAP output by run-unit.sh).
UNIT_TESTS += $(BUILD)/unit/test_hex

$(BUILD)/tests/unit/test_hex.o: CFLAGS += -Iuserspace/lib
$(BUILD)/unit/test_hex: $(BUILD)/tests/unit/test_hex.o $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBSZKM_LIBS)
