# erofs-ishare: the one entry point.
#
#   make demo    build everything, boot the VM, show what our module does
#   make check   unit tests (plain, ASan/UBSan, fuzz), VM tests on the production
#                kernel and (quick profile) on the debug kernel (KASAN, lockdep)
#   make check-debug   the opted-in VM suites on the debug kernel, in full
#   make debug-kernel  build or reuse the debug kernel and our erofs.ko for it
#   make deps    install the Debian packages we need (idempotent)
#   make utils   build the C++ tools and unit tests (CMake, build/utils)
#   make kmod    build our erofs.ko from linux-source-6.12 (build/kmod)
#   make bench   run the benchmarks in scripts/bench
#   make fuzz    run the libFuzzer targets (FUZZ_TIME seconds each)
#   make check-interop  read erofs-utils 1.9.3's images (skips without it)
#   make check-realdata  Debian .deb tars and a rootfs layer via --tar (network)
#   make deb     Debian packages erofs-ishare-dkms and -tools (build/deb), lintian
#   make install the tools and man pages into $(DESTDIR)$(PREFIX) (/usr/local)
#   make check-pkg  packages into a Debian 12 chroot, DKMS, VM tests on it
#   make clean   remove build/
#
# Variables: BUILD=build dir, JOBS=parallel jobs, SANITIZE=0 skips the
# ASan/UBSan run of the unit tests, VM_TESTS="suite ..." picks VM suites,
# VM_JOBS=guests at once (make check), FUZZ_TIME=seconds per fuzz target
# (make fuzz; make check uses 60).

MAKEFLAGS += --no-print-directory

BUILD    ?= build
JOBS     ?= $(shell nproc)
CMAKE_BUILD_TYPE ?= Release
VM_TESTS ?=

.PHONY: all deps utils utils-san kmod check check-unit check-unit-san check-interop \
	check-realdata check-vm check-debug debug-kernel check-fuzz fuzz fuzz-build demo bench \
	deb install check-pkg clean help

all: utils kmod

help:
	@sed -n '2,23p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@scripts/deps.sh

utils: deps
	@cmake -S . -B $(BUILD)/utils -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD)/utils -j $(JOBS)

utils-san: deps
	@cmake -S . -B $(BUILD)/utils-san -DCMAKE_BUILD_TYPE=Debug -DEROFS_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD)/utils-san -j $(JOBS)

kmod: deps
	@kmod/build.sh $(BUILD)/kmod

check-unit: utils
	@cd $(BUILD)/utils && ctest --output-on-failure -j $(JOBS)

# The interop tests are unit tests too (check-unit runs them): images made
# by erofs-utils 1.9.3 from $$EROFS_PEER_PREFIX (default
# /opt/erofs-utils-1.9.3); they say SKIP and pass when it is absent.
check-interop: utils
	@cd $(BUILD)/utils && ctest --output-on-failure -R '^(interop|inspect): '

# Real data nobody here wrote: about 30 Debian packages' data tarballs and
# the debootstrap minbase layer (tests/realdata/prepare.sh; .debs downloaded
# into $(BUILD)/realdata/debs), converted with --tar=f/i and compared with
# tar -x.  Needs the network and minutes: not part of `make check`.
check-realdata: utils
	@tests/realdata/prepare.sh $(BUILD)/realdata
	@EROFS_REALDATA_DIR=$(BUILD)/realdata/tars $(BUILD)/utils/tests/unit/unit-tests \
		--durations yes '[realdata]'

check-unit-san: utils-san
	@cd $(BUILD)/utils-san && ctest --output-on-failure -j $(JOBS)

check-vm: utils kmod
	@tests/vm/run-all.sh --build $(BUILD) $(VM_TESTS)

# libFuzzer targets (clang-14, ASan + UBSan) over the tar reader and the
# image reader; seeds in tests/unit/fuzz/corpus/, new inputs and findings
# in $(BUILD)/fuzz/.  Any finding fails.
FUZZ_TIME ?= 300
FUZZ_TARGETS := tar image

fuzz-build: deps
	@cmake -S . -B $(BUILD)/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEROFS_FUZZ=ON \
		-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
	@cmake --build $(BUILD)/fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t $(BUILD)/fuzz/findings-$$t; \
		echo "fuzz_$$t: $(FUZZ_TIME) s"; \
		$(BUILD)/fuzz/tests/unit/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) \
			-timeout=30 -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/findings-$$t/ \
			$(BUILD)/fuzz/corpus-$$t tests/unit/fuzz/corpus/$$t 2>$(BUILD)/fuzz/fuzz_$$t.log \
			|| { tail -40 $(BUILD)/fuzz/fuzz_$$t.log; exit 1; }; \
		grep -hE "stat::(number_of_executed_units|new_units_added)" $(BUILD)/fuzz/fuzz_$$t.log || true; \
	done

check-fuzz:
	@$(MAKE) fuzz FUZZ_TIME=60

# The kernel is cached outside BUILD (scripts/vm/debug-kernel.sh); the last
# two lines printed are the kernel image and our erofs.ko built against it.
debug-kernel: deps
	@JOBS=$(JOBS) scripts/vm/debug-kernel.sh --build $(BUILD)

check-debug: utils debug-kernel
	@tests/vm/run-all.sh --build $(BUILD) --kernel debug $(VM_TESTS)

# Unit tests (plain, sanitized, fuzzed) while the debug kernel builds, then
# the VM suites two guests at a time: all on the production kernel, the
# debug-kernel ones in their quick profile (tests/check.sh).
SANITIZE ?= 1
VM_JOBS  ?= 2
check: deps
	@JOBS=$(JOBS) SANITIZE=$(SANITIZE) VM_TESTS="$(VM_TESTS)" VM_JOBS=$(VM_JOBS) \
		tests/check.sh --build $(BUILD)

demo: utils kmod
	@scripts/demo.sh --build $(BUILD)

bench: utils kmod
	@scripts/bench/run.sh --build $(BUILD)

deb: deps
	@packaging/mkdeb.sh $(BUILD)/deb
	@lintian --fail-on error $(BUILD)/deb/*.changes

# Tools only, no test dependencies (Catch2): also for non-Debian systems.
PREFIX ?= /usr/local
install:
	@cmake -S . -B $(BUILD)/install -DCMAKE_BUILD_TYPE=Release \
		-DEROFS_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD)/install -j $(JOBS)
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD)/install

# Needs root and the network; not part of `make check`.
check-pkg: deb utils
	@tests/pkg/chroot-install.sh --build $(BUILD)
	@tests/pkg/vm-dkms.sh --build $(BUILD)

clean:
	rm -rf $(BUILD)
