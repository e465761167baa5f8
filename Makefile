# SPDX-License-Identifier: GPL-2.0
#
# chan: build the module, the tools and the selftests; run them in guests.
#
#   make            build kmod/chan.ko for the newest installed Debian kernel
#   make modules    build chan.ko for every installed Debian kernel
#   make check      lint, build everything, run all tests in QEMU guests
#   make demo       boot a guest and show channels at work
#   make lint       checkpatch, sparse, kernel-doc, uapi header checks
#   make bindings   the Go and Rust bindings, their tests and examples
#   make bench      chanbench in a guest, with Go's and Rust's channels
#   make profile    perf profiles of chanbench scenarios in a guest
#   make bridgebench  chan-bridge against plain NATS clients (B11)
#
# KDIR=/path/to/tree builds against another kernel tree.

TOP		:= $(CURDIR)
BUILD		:= $(TOP)/build
KVERS		:= $(shell $(TOP)/tools/kernels.sh 2>/dev/null)
KVER		?= $(lastword $(KVERS))
KDIR		?= /usr/src/linux-headers-$(KVER)
KOUT		 = $(BUILD)/kmod-$(notdir $(patsubst %/,%,$(KDIR)))
LINUX_SRC	?= $(shell $(TOP)/tools/linux-src.sh)
CC		?= gcc

KSFT_HDRS	:= $(BUILD)/ksft/kselftest_harness.h $(BUILD)/ksft/kselftest.h
UAPI		:= $(TOP)/include/uapi/linux/chan.h
TEST_SRCS	:= $(wildcard selftests/chan/*.c)
TEST_BINS	:= $(patsubst selftests/chan/%.c,$(BUILD)/selftests/%,$(TEST_SRCS))
# io_uring's library is 64-bit only here (liburing-dev, no multilib).
TEST_BINS32	:= $(patsubst selftests/chan/%.c,$(BUILD)/selftests32/%,\
		   $(filter-out selftests/chan/uring_test.c,$(TEST_SRCS)))
TEST_CFLAGS	:= -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered -D_GNU_SOURCE \
		   -I$(TOP)/include/uapi -I$(BUILD)/ksft -I$(TOP)/selftests/chan \
		   -I$(TOP)/tools/lib/chan
LIBCHAN_SRC	:= tools/lib/chan/libchan.c tools/lib/chan/libchan.h
# Selftests that exercise libchan link its source in.
test_extra	= $(if $(findstring libchan,$@),tools/lib/chan/libchan.c) \
		  $(if $(findstring uring,$@),-luring)
TEST_LDLIBS	:= -pthread -lrt

.PHONY: all deps module modules selftests tools lib bindings bench langbench profile ringbench bridgebench check lint demo \
	install dkms-install dkms-check clean FORCE

VERSION		:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
PREFIX		?= /usr/local
DESTDIR		?=
LIB		:= $(BUILD)/lib

all: module selftests tools lib

lib: $(LIB)/libchan.a $(LIB)/libchan.so.1 $(LIB)/libchan.pc \
	$(LIB)/libchan-uninstalled.pc

$(LIB)/libchan.o: $(LIBCHAN_SRC) $(UAPI)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -fPIC -Wall -Wextra -I$(TOP)/include/uapi -c -o $@ $<

$(LIB)/libchan.a: $(LIB)/libchan.o
	$(AR) rcs $@ $<

$(LIB)/libchan.so.1: $(LIB)/libchan.o
	$(CC) -shared -Wl,-soname,libchan.so.1 -o $@ $<
	ln -sf libchan.so.1 $(LIB)/libchan.so

$(LIB)/libchan.pc: tools/lib/chan/libchan.pc.in dkms.conf
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< >$@

# pkg-config prefers NAME-uninstalled.pc found in PKG_CONFIG_PATH.
$(LIB)/libchan-uninstalled.pc: tools/lib/chan/libchan-uninstalled.pc.in dkms.conf
	@mkdir -p $(dir $@)
	sed -e 's|@BUILD@|$(BUILD)|' -e 's|@TOP@|$(TOP)|' \
		-e 's|@VERSION@|$(VERSION)|' $< >$@

# Install the module for $(KVER), headers, libchan, tools, man pages and
# the udev rule.  DESTDIR= stages the files elsewhere.
install: module lib tools
	install -D -m 0644 $(KOUT)/kmod/chan.ko \
		$(DESTDIR)/lib/modules/$(KVER)/extra/chan.ko
	install -D -m 0644 include/uapi/linux/chan.h \
		$(DESTDIR)$(PREFIX)/include/linux/chan.h
	install -D -m 0644 tools/lib/chan/libchan.h \
		$(DESTDIR)$(PREFIX)/include/libchan.h
	install -D -m 0644 $(LIB)/libchan.a $(DESTDIR)$(PREFIX)/lib/libchan.a
	install -D -m 0755 $(LIB)/libchan.so.1 \
		$(DESTDIR)$(PREFIX)/lib/libchan.so.1
	ln -sf libchan.so.1 $(DESTDIR)$(PREFIX)/lib/libchan.so
	# Made here, not in lib: the PREFIX of this install, not of the build.
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		tools/lib/chan/libchan.pc.in \
		>$(DESTDIR)$(PREFIX)/lib/pkgconfig/libchan.pc
	install -D -m 0755 $(BUILD)/tools/chanctl $(DESTDIR)$(PREFIX)/bin/chanctl
	install -D -m 0755 $(BUILD)/tools/chan-pcap \
		$(DESTDIR)$(PREFIX)/bin/chan-pcap
	install -D -m 0755 $(BUILD)/tools/chan-bridge \
		$(DESTDIR)$(PREFIX)/bin/chan-bridge
	install -D -m 0644 docs/man/chan.4 $(DESTDIR)$(PREFIX)/share/man/man4/chan.4
	install -D -m 0644 docs/man/libchan.3 \
		$(DESTDIR)$(PREFIX)/share/man/man3/libchan.3
	install -D -m 0644 docs/man/chanctl.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/chanctl.8
	install -D -m 0644 docs/man/chan-pcap.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/chan-pcap.8
	install -D -m 0644 docs/man/chan-bridge.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/chan-bridge.8
	install -D -m 0644 docs/man/chan-samples.7 \
		$(DESTDIR)$(PREFIX)/share/man/man7/chan-samples.7
	install -D -m 0644 tools/udev/60-chan.rules \
		$(DESTDIR)/etc/udev/rules.d/60-chan.rules
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER) || true

# Register the sources with DKMS so every installed kernel gets chan.ko.
dkms-install:
	rm -rf /usr/src/chan-$(VERSION)
	mkdir -p /usr/src/chan-$(VERSION)
	cp -r Kbuild dkms.conf kmod include /usr/src/chan-$(VERSION)/
	dkms add -m chan -v $(VERSION) 2>/dev/null || true
	dkms build -m chan -v $(VERSION) -k $(KVER)
	dkms install -m chan -v $(VERSION) -k $(KVER)

# CI: Debian's dkms builds chan.ko against every installed header version.
dkms-check:
	$(TOP)/tools/dkms-check.sh

TOOL_CFLAGS	:= -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
		   -I$(TOP)/include/uapi

tools: $(BUILD)/tools/chanctl $(BUILD)/tools/chan-pcap $(BUILD)/tools/chanbench \
	$(BUILD)/tools/ringtest $(BUILD)/tools/c1soak \
	$(BUILD)/tools/ringtest-tsan $(BUILD)/tools/chan-bridge $(BUILD)/tools/natsbench

$(BUILD)/tools/chanbench: tools/chanbench/chanbench.c $(LIBCHAN_SRC) $(UAPI)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -Itools/lib/chan -o $@ $< tools/lib/chan/libchan.c \
		-luring -lrt -pthread

BRIDGE_SRCS	:= $(filter-out %/natsbench.c,$(wildcard tools/chan-bridge/*.c)) \
		   tools/chan-bridge/bridge.h

$(BUILD)/tools/chan-bridge: $(BRIDGE_SRCS) $(LIBCHAN_SRC) $(UAPI)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -Itools/lib/chan -o $@ $(filter %.c,$^) \
		$$(pkg-config --cflags --libs libnats) -pthread

$(BUILD)/tools/natsbench: tools/chan-bridge/natsbench.c $(LIBCHAN_SRC) $(UAPI)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -Itools/lib/chan -o $@ $(filter %.c,$^) \
		$$(pkg-config --cflags --libs libnats) -pthread

$(BUILD)/tools/chan-pcap: tools/chan-pcap/chan-pcap.c kmod/samples/chan_nftap.h $(UAPI)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -o $@ $<

RING_SRCS	:= tools/ringtest/ringtest.c tools/ringtest/ring_shim.h kmod/ring.h kmod/ring_batch.h

$(BUILD)/tools/ringtest: $(RING_SRCS)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Itools/ringtest \
		-pthread -o $@ $<

# The ring core under ThreadSanitizer, run on the host by make check.
$(BUILD)/tools/ringtest-tsan: $(RING_SRCS)
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -fsanitize=thread -Wall -Wno-tsan -D_GNU_SOURCE -Itools/ringtest -pthread \
		-o $@ $<

bench: FORCE
	@$(TOP)/tools/deps.sh bench
	$(MAKE) -s langbench
	$(TOP)/tools/bench.sh

# The language channels chanbench compares chan with (--ext), built from
# the standard libraries alone: Go from Debian's golang-go, Rust from the
# machine's rustc (tools/rustc.sh finds it).
langbench: $(BUILD)/tools/gochan $(BUILD)/tools/rustchan

$(BUILD)/tools/gochan: tools/chanbench/lang/gochan.go
	@mkdir -p $(dir $@)
	cd $(dir $<) && GOPATH=$(BUILD)/go GOCACHE=$(BUILD)/go/cache GOPROXY=off \
		GO111MODULE=off go build -o $@ $(notdir $<)

$(BUILD)/tools/rustchan: tools/chanbench/lang/rustchan.rs
	@mkdir -p $(dir $@)
	$$($(TOP)/tools/rustc.sh) -O --edition 2021 -o $@ $<

profile: FORCE
	$(TOP)/tools/profile.sh

# The Go and Rust bindings, their tests and examples, and the C side of the
# cross-language tests (selftests/chan/lang_test.sh), all offline: Go's
# standard library, Rust's std and Debian's packaged crates.
bindings: $(BUILD)/lang/c_produce FORCE
	$(TOP)/tools/bindings/go/build.sh $(BUILD)/bindings/go
	$(TOP)/tools/bindings/rust/build.sh $(BUILD)/bindings/rust

$(BUILD)/lang/c_produce: selftests/chan/lang/c_produce.c $(UAPI)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -o $@ $<

ringbench: $(BUILD)/tools/ringtest
	$(BUILD)/tools/ringtest bench

# B11: chan-bridge against plain NATS clients, in a guest.
bridgebench: FORCE
	$(TOP)/tools/bridgebench.sh

$(BUILD)/tools/c1soak: tools/soak/c1soak.c $(UAPI)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -o $@ $< -pthread

$(BUILD)/tools/chanctl: tools/chanctl/chanctl.c $(UAPI)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -o $@ $<

deps:
	@$(TOP)/tools/deps.sh

module: FORCE
	$(TOP)/tools/build-module.sh $(KDIR) $(KOUT)
	cp $(KOUT)/kmod/chan.ko $(TOP)/kmod/chan.ko

modules: FORCE
	@set -e; for v in $(KVERS); do \
		$(TOP)/tools/build-module.sh /usr/src/linux-headers-$$v \
			$(BUILD)/kmod-linux-headers-$$v; \
	done

$(KSFT_HDRS):
	@mkdir -p $(dir $@)
	cp $(LINUX_SRC)/tools/testing/selftests/$(notdir $@) $@

selftests: $(TEST_BINS) $(TEST_BINS32)

$(BUILD)/selftests/%: selftests/chan/%.c selftests/chan/*.h $(UAPI) $(KSFT_HDRS) $(LIBCHAN_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(test_extra) $(TEST_LDLIBS)

# The same tests built for 32-bit callers exercise compat_ioctl.
$(BUILD)/selftests32/%: selftests/chan/%.c selftests/chan/*.h $(UAPI) $(KSFT_HDRS) $(LIBCHAN_SRC)
	@mkdir -p $(dir $@)
	$(CC) -m32 -Wno-pointer-to-int-cast $(TEST_CFLAGS) -o $@ $< $(test_extra) $(TEST_LDLIBS)

check: deps
	$(TOP)/tools/check.sh

lint: deps
	$(TOP)/tools/lint.sh

demo: deps
	$(TOP)/tools/demo.sh

clean:
	rm -rf $(BUILD) $(TOP)/kmod/chan.ko

FORCE:
