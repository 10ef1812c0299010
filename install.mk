# Installation, DKMS source and Debian packages. Included by the top Makefile.
#
#   make install [DESTDIR=...] [PREFIX=/usr/local] [libdir=...] ...
#   make uninstall               the same variables; keeps operator state
#   make install-dkms            module source to $(DESTDIR)/usr/src/szkm-VERSION
#   make deb                     Debian packages into build/deb/
#
# The usual GNU directory variables can be given on the command line. The
# programs read /etc/ledgerd, /etc/szkm and /var/lib/szkm whatever the
# prefix (they are compiled in), so sysconfdir and localstatedir default to
# /etc and /var; the unit's ExecStart names the installed ledgerd and its
# configuration file. Parts another branch adds (the shared library, the
# pkg-config file, the restore unit, the bash completion, the example) are
# installed when they are there.

SZKM_VERSION  := $(strip $(file <$(TOP)/VERSION))

PREFIX        ?= /usr/local
prefix        ?= $(PREFIX)
exec_prefix   ?= $(prefix)
bindir        ?= $(exec_prefix)/bin
sbindir       ?= $(exec_prefix)/sbin
libdir        ?= $(exec_prefix)/lib
includedir    ?= $(prefix)/include
datarootdir   ?= $(prefix)/share
datadir       ?= $(datarootdir)
mandir        ?= $(datarootdir)/man
docdir        ?= $(datarootdir)/doc/szkm
sysconfdir    ?= /etc
localstatedir ?= /var
pkgconfigdir  ?= $(libdir)/pkgconfig
SYSTEMD_UNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
BASHCOMPDIR   ?= $(or $(shell pkg-config --variable=completionsdir bash-completion 2>/dev/null),$(datadir)/bash-completion/completions)

INSTALL       ?= install
D             := $(DESTDIR)
STAGE         := $(BUILD)/install
SZKM_HEADERS  := userspace/lib/libszkm.h userspace/lib/szkm_event.h include/szkm.h
SZKM_UNITS    := ledgerd/ledgerd.service $(wildcard userspace/szkmctl/*.service)
# What the DKMS package builds the module from: no userspace, no tests.
DKMS_FILES    := Kbuild VERSION include/szkm.h \
                 $(shell find kmod \( -name '*.[ch]' ! -name '*.mod.c' \) -o -name Kbuild | LC_ALL=C sort)
DKMS_DIR      := /usr/src/szkm-$(SZKM_VERSION)

# A unit names the installed programs and configuration.
UNIT_SED      := -e 's|/usr/sbin/ledgerd|$(sbindir)/ledgerd|g' \
                 -e 's|/usr/s\?bin/szkmctl|$(sbindir)/szkmctl|g' \
                 -e 's|/etc/ledgerd/|$(sysconfdir)/ledgerd/|g' \
                 -e 's|/etc/szkm/|$(sysconfdir)/szkm/|g'

.PHONY: install uninstall install-dkms uninstall-dkms deb

# The pkg-config file: build/lib/pkgconfig/szkm.pc with this install's
# directories.
$(STAGE)/szkm.pc: userspace FORCE
	@mkdir -p $(dir $@)
	sed -e 's|^prefix=.*|prefix=$(prefix)|' -e 's|^libdir=.*|libdir=$(libdir)|' \
	    -e 's|^includedir=.*|includedir=$(includedir)|' $(BUILD)/lib/pkgconfig/szkm.pc >$@

$(STAGE)/%.service: FORCE
	@mkdir -p $(dir $@)
	sed $(UNIT_SED) $(filter %/$*.service,$(SZKM_UNITS)) >$@

.PHONY: FORCE
FORCE:

install: userspace $(STAGE)/szkm.pc $(patsubst %,$(STAGE)/%,$(notdir $(SZKM_UNITS)))
	$(INSTALL) -d -m 0755 $(D)$(sbindir) $(D)$(libdir) $(D)$(pkgconfigdir) \
		$(D)$(includedir)/szkm $(D)$(mandir)/man8 $(D)$(SYSTEMD_UNITDIR) \
		$(D)$(sysconfdir)/szkm $(D)$(sysconfdir)/ledgerd
	$(INSTALL) -m 0755 $(BUILD)/bin/szkmctl $(BUILD)/bin/ledgerd $(D)$(sbindir)/
	$(INSTALL) -m 0644 $(SZKM_HEADERS) $(D)$(includedir)/szkm/
	$(INSTALL) -m 0644 $(BUILD)/libszkm.a $(D)$(libdir)/
	$(INSTALL) -m 0644 $(LIBSZKM_SO) $(D)$(libdir)/
	ln -sf $(notdir $(LIBSZKM_SO)) $(D)$(libdir)/$(LIBSZKM_SONAME)
	ln -sf $(LIBSZKM_SONAME) $(D)$(libdir)/libszkm.so
	$(INSTALL) -m 0644 $(STAGE)/szkm.pc $(D)$(pkgconfigdir)/
	$(INSTALL) -m 0644 userspace/szkmctl/szkmctl.8 ledgerd/ledgerd.8 $(D)$(mandir)/man8/
	$(INSTALL) -m 0644 $(patsubst %,$(STAGE)/%,$(notdir $(SZKM_UNITS))) $(D)$(SYSTEMD_UNITDIR)/
	@set -e; if [ -f userspace/szkmctl/szkmctl.bash-completion ]; then \
		$(INSTALL) -d -m 0755 $(D)$(BASHCOMPDIR); \
		$(INSTALL) -m 0644 userspace/szkmctl/szkmctl.bash-completion $(D)$(BASHCOMPDIR)/szkmctl; \
		echo "install szkmctl.bash-completion -> $(D)$(BASHCOMPDIR)/szkmctl"; \
	fi
	@set -e; if [ -d userspace/examples ]; then \
		$(INSTALL) -d -m 0755 $(D)$(docdir)/examples; \
		$(INSTALL) -m 0644 userspace/examples/*.c $(D)$(docdir)/examples/; \
		echo "install userspace/examples -> $(D)$(docdir)/examples"; \
	fi
	@# An operator's configuration is never replaced. It may hold a PIN.
	@if [ -e $(D)$(sysconfdir)/ledgerd/ledgerd.conf ]; then \
		echo "keep $(D)$(sysconfdir)/ledgerd/ledgerd.conf (exists)"; \
	else \
		echo "install ledgerd.conf -> $(D)$(sysconfdir)/ledgerd/ledgerd.conf"; \
		$(INSTALL) -m 0600 ledgerd/ledgerd.conf $(D)$(sysconfdir)/ledgerd/ledgerd.conf; \
	fi
	@# Device blob, listener state, the ledger's database: root only.
	$(INSTALL) -d -m 0700 $(D)$(localstatedir)/lib/szkm $(D)$(localstatedir)/lib/ledgerd
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# Removes what install put there; keeps a changed ledgerd.conf and whatever
# the operator made (device blob, ledger, keys). Empty folders go.
uninstall:
	rm -f $(D)$(sbindir)/szkmctl $(D)$(sbindir)/ledgerd
	rm -f $(addprefix $(D)$(includedir)/szkm/,$(notdir $(SZKM_HEADERS)))
	rm -f $(D)$(libdir)/libszkm.a $(D)$(libdir)/libszkm.so $(D)$(libdir)/libszkm.so.*
	rm -f $(D)$(pkgconfigdir)/szkm.pc
	rm -f $(D)$(mandir)/man8/szkmctl.8 $(D)$(mandir)/man8/ledgerd.8
	rm -f $(addprefix $(D)$(SYSTEMD_UNITDIR)/,$(notdir $(SZKM_UNITS)))
	rm -f $(D)$(BASHCOMPDIR)/szkmctl
	rm -rf $(D)$(docdir)/examples
	@if cmp -s ledgerd/ledgerd.conf $(D)$(sysconfdir)/ledgerd/ledgerd.conf; then \
		echo "rm $(D)$(sysconfdir)/ledgerd/ledgerd.conf (unchanged)"; \
		rm -f $(D)$(sysconfdir)/ledgerd/ledgerd.conf; \
	elif [ -e $(D)$(sysconfdir)/ledgerd/ledgerd.conf ]; then \
		echo "keep $(D)$(sysconfdir)/ledgerd/ledgerd.conf (changed)"; \
	fi
	@rmdir $(D)$(includedir)/szkm $(D)$(docdir) \
		$(D)$(sysconfdir)/szkm $(D)$(sysconfdir)/ledgerd \
		$(D)$(localstatedir)/lib/szkm $(D)$(localstatedir)/lib/ledgerd 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# The module's source as DKMS takes it (dkms add/build/install szkm/VERSION).
install-dkms:
	@set -e; for f in $(DKMS_FILES); do \
		$(INSTALL) -D -m 0644 $$f $(D)$(DKMS_DIR)/$$f; \
	done
	sed 's/#MODULE_VERSION#/$(SZKM_VERSION)/' dkms.conf >$(D)$(DKMS_DIR)/dkms.conf
	chmod 0644 $(D)$(DKMS_DIR)/dkms.conf
	@echo "module source in $(D)$(DKMS_DIR); then: dkms install szkm/$(SZKM_VERSION)"

uninstall-dkms:
	rm -rf $(D)$(DKMS_DIR)

# Debian packages from a copy of the tree (dpkg-buildpackage writes into
# the source and its parent): build/deb/*.deb, then lintian.
DEB_SRC := $(BUILD)/deb/szkm-$(SZKM_VERSION)
deb:
	@$(TOP)/scripts/deps.sh --if-missing --deb
	rm -rf $(BUILD)/deb && mkdir -p $(DEB_SRC)
	git -C $(TOP) ls-files -z --cached --others --exclude-standard -- . ':!:.cache' | \
		(cd $(TOP) && xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh) | \
		tar -C $(TOP) --null -T - -cf - | tar -C $(DEB_SRC) -xf -
	@# The packages' version is VERSION's (debian/changelog's newest entry).
	sed -i '1s/([^)]*)/($(SZKM_VERSION))/' $(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b
	@if command -v lintian >/dev/null; then \
		echo "lintian $(BUILD)/deb/*.changes"; \
		lintian --fail-on error $(BUILD)/deb/*.changes; \
	fi
	@ls -1 $(BUILD)/deb/*.deb
