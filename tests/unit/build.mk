# Unit tests of libszkm (cmocka; run with TAP output by run-unit.sh).
LIBSZKM_UNIT := $(BUILD)/unit/test_hex $(BUILD)/unit/test_event_msg
UNIT_TESTS   += $(LIBSZKM_UNIT)

$(LIBSZKM_UNIT:$(BUILD)/unit/%=$(BUILD)/tests/unit/%.o): CFLAGS += -Iuserspace/lib $(NL_CFLAGS)
$(LIBSZKM_UNIT): $(BUILD)/unit/%: $(BUILD)/tests/unit/%.o $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBSZKM_LIBS)
