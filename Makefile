# pr-tools: one non-recursive Makefile.
#
#   make              build every program into bin/
#   make check        build, then run unit, end-to-end and schema tests
#   make check T=...  run only the test files matching a glob, e.g. T='cli/compare*'
#   make check -j2    build and run test files two at a time (or JOBS=2)
#   make demo         the whole release flow against local servers
#   make sanitize     the test suite under ASan and UBSan
#   make valgrind     the test suite with every program under valgrind
#   make fuzz         libFuzzer targets for every document and config reader
#   make lint         naming, line length, whitespace and shellcheck (scripts/lint.sh)
#   make install      PREFIX=/usr/local DESTDIR=
#   make deb          a Debian package, build/pr-tools_VERSION_ARCH.deb

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man
DESTDIR  ?=

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN      = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
# libcrypto (OpenSSL, which libcurl already uses) gives SHA-256 and HMAC;
# libpq talks to PostgreSQL for the SQL checks, index facts and --sql (pgq.h);
# libssl is the load engine's TLS transport, libnghttp2 its HTTP/2.
PKGS      = libcurl libcjson libarchive zlib libssl libcrypto libnghttp2 libpq
B         = build

.DEFAULT_GOAL := all

# The configuration is made once, by installing what is missing and asking
# pkg-config; make rereads it before building anything.
-include $(B)/config.mk
$(B)/config.mk: scripts/deps.sh Makefile
	@mkdir -p $(B)
	@scripts/deps.sh build
	@{ echo "PKG_CFLAGS = $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS = $$(pkg-config --libs $(PKGS)) -lm"; } > $@.tmp && mv $@.tmp $@

# Quiet by default, as git and Linux are: make V=1 shows every command.
ifeq ($(V),1)
Q =
SAY = @true
else
Q = @
SAY = @printf '  %-4s %s\n'
endif

ALL_CFLAGS = $(WARN) $(CFLAGS) -D_GNU_SOURCE -DPR_VERSION='"$(VERSION)"' -Ilib $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)

LIB_SRC   = $(wildcard lib/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(B)/%.o)
# A program is cmd/pr-x.c, or a directory cmd/pr-x/ of .c files.
PROG_SRC  = $(wildcard cmd/pr-*.c)
PROG_DIRS = $(patsubst %/,%,$(wildcard cmd/pr-*/))
PROGS     = $(PROG_SRC:cmd/%.c=bin/%) $(PROG_DIRS:cmd/%=bin/%)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNITS     = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC  = $(wildcard tests/fuzz/fuzz_*.c)
MANS      = $(wildcard man/*.[157])

all: $(PROGS)

$(B)/%.o: %.c $(B)/config.mk
	@mkdir -p $(@D)
	$(SAY) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libpr.a: $(LIB_OBJ)
	$(SAY) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

bin/%: $(B)/cmd/%.o $(B)/libpr.a
	@mkdir -p bin
	$(SAY) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

define prog_dir
bin/$(notdir $(1)) $$(B)/bin/$(notdir $(1)): $$(patsubst %.c,$$(B)/%.o,$$(wildcard $(1)/*.c)) $$(B)/libpr.a
	@mkdir -p $$(@D)
	$$(SAY) LINK $$@
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(ALL_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach d,$(PROG_DIRS),$(eval $(call prog_dir,$(d))))

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libpr.a
	@mkdir -p $(@D)
	$(SAY) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

units: $(UNITS)

test-deps:
	@scripts/deps.sh test

# Test files run JOBS at a time: by default make's own -j (one per CPU for
# -j alone, one without -j: plain `make check` stays serial).  run.sh takes
# no jobserver tokens: the build is done by the time it starts, and no other
# recipe of this make runs beside it.
MAKE_J    = $(filter -j%,$(MAKEFLAGS))
JOBS     ?= $(if $(filter -j,$(MAKE_J)),$(shell nproc),$(or $(patsubst -j%,%,$(MAKE_J)),1))

check: test-deps all units
	@tests/run.sh -j '$(JOBS)' $(T)

# The demo needs fewer packages than the tests (no nginx, clang, valgrind...).
demo: all
	@scripts/deps.sh demo
	@scripts/demo.sh

# The whole suite again, built with AddressSanitizer and UBSan in build-san/.
sanitize:
	$(MAKE) B=build-san CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
		LDFLAGS='-fsanitize=address,undefined' check-san

# Every report is also written under $(B)/reports, so that one in a run whose
# exit status a test does not look at still fails the target.  PR_SLOW_BUILD
# tells tests to relax timing bounds (never correctness) for this build.
check-san: test-deps $(UNITS) $(PROGS:bin/%=$(B)/bin/%)
	@rm -rf $(B)/reports && mkdir -p $(B)/reports
	@PR_BIN=$(B)/bin PR_UNIT=$(B)/tests PR_SLOW_BUILD=1 \
		ASAN_OPTIONS=detect_leaks=1:log_path=$(abspath $(B))/reports/asan \
		UBSAN_OPTIONS=print_stacktrace=1:log_path=$(abspath $(B))/reports/ubsan \
		tests/run.sh -j '$(JOBS)' $(T); rc=$$?; \
	if [ -n "$$(ls $(B)/reports)" ]; then \
		echo "sanitizer reports in $(B)/reports:"; head -n 40 $(B)/reports/*; exit 1; fi; exit $$rc

$(B)/bin/%: $(B)/cmd/%.o $(B)/libpr.a
	@mkdir -p $(@D)
	$(SAY) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The whole suite again with every program run under valgrind memcheck;
# an error makes the program exit 99, which fails its test.
# Unit tests run under it too.  Each report goes to $(B)/valgrind/reports
# (one file per process; its "==PID==" lines are errors), so that an error in a run whose
# exit status a test does not look at still fails the target.
# (An absolute path: some tests run programs with a minimal PATH.)
VALGRIND = $(shell command -v valgrind) -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--log-file=$(abspath $(B))/valgrind/reports/%p.log
valgrind: test-deps all units
	@rm -rf $(B)/valgrind && mkdir -p $(B)/valgrind/units $(B)/valgrind/reports
	@for p in $(PROGS) $(UNITS); do \
		case $$p in bin/*) w=$(B)/valgrind/$${p#bin/} ;; *) w=$(B)/valgrind/units/$${p##*/} ;; esac; \
		printf '#!/bin/sh\nexec %s "%s" "$$@"\n' "$(VALGRIND)" "$(abspath $$p)" >$$w; chmod +x $$w; done
	@PR_BIN=$(B)/valgrind PR_UNIT=$(B)/valgrind/units PR_VALGRIND=1 PR_SLOW_BUILD=1 tests/run.sh -j '$(JOBS)' $(T); rc=$$?; \
	bad=$$(grep -lE '^==[0-9]+== ' $(B)/valgrind/reports/*.log); \
	if [ -n "$$bad" ]; then echo "valgrind reports:"; head -n 40 $$bad; exit 1; fi; exit $$rc

# libFuzzer targets: clang only.
fuzz:
	$(MAKE) B=build-fuzz CC=clang CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined' fuzz-targets

fuzz-targets: $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

$(B)/fuzz/%: $(B)/tests/fuzz/%.o $(B)/libpr.a
	@mkdir -p $(@D)
	$(SAY) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# The style a script can check (see scripts/lint.sh): the naming rule reads
# the symbols of the built objects, so it builds them first.
lint: $(LIB_OBJ)
	@scripts/lint.sh $(B)/lib

lint-man:
	mandoc -Tlint -Wwarning $(MANS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	for m in $(MANS); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}; done

# The Debian package: the programs and man pages staged by install under
# /usr, made into a .deb by packaging/deb/build.sh (dpkg-deb; see its header).
# DEB and DEB_ROOT (the staging directory) may be set: tests build elsewhere.
DEB      ?= $(B)/pr-tools_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null || echo unknown).deb
DEB_ROOT ?= $(B)/deb/root
deb: all
	$(SAY) DEB $(DEB)
	$(Q)rm -rf $(DEB_ROOT) && $(MAKE) -s install PREFIX=/usr DESTDIR=$(abspath $(DEB_ROOT)) >/dev/null
	$(Q)packaging/deb/build.sh $(DEB_ROOT) $(VERSION) $(DEB) >/dev/null

clean:
	rm -rf build build-san build-fuzz bin

.PHONY: all units check test-deps demo sanitize check-san valgrind fuzz fuzz-targets lint lint-man install deb clean
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
