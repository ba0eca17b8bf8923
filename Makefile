# erofs-ishare: the one entry point.
#
#   make demo    build everything, boot the VM, show what our module does
#   make check   unit tests, then VM tests (production, then debug kernel)
#   make check-debug   the VM tests on the debug kernel (KASAN, lockdep) alone
#   make debug-kernel  build or reuse the debug kernel and our erofs.ko for it
#   make deps    install the Debian packages we need (idempotent)
#   make utils   build the C++ tools and unit tests (CMake, build/utils)
#   make kmod    build our erofs.ko from linux-source-6.12 (build/kmod)
#   make bench   run the benchmarks in scripts/bench
#   make clean   remove build/
#
# Variables: BUILD=build dir, JOBS=parallel jobs, SANITIZE=0 skips the
# ASan/UBSan run of the unit tests, VM_TESTS="suite ..." picks VM suites.

MAKEFLAGS += --no-print-directory

BUILD    ?= build
JOBS     ?= $(shell nproc)
CMAKE_BUILD_TYPE ?= Release
VM_TESTS ?=

.PHONY: all deps utils utils-san kmod check check-unit check-unit-san \
	check-vm check-debug debug-kernel demo bench clean help

all: utils kmod

help:
	@sed -n '2,14p' Makefile | sed 's/^# \{0,1\}//'

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

check-unit-san: utils-san
	@cd $(BUILD)/utils-san && ctest --output-on-failure -j $(JOBS)

check-vm: utils kmod
	@tests/vm/run-all.sh --build $(BUILD) $(VM_TESTS)

# The kernel is cached outside BUILD (scripts/vm/debug-kernel.sh); the last
# two lines printed are the kernel image and our erofs.ko built against it.
debug-kernel: deps
	@JOBS=$(JOBS) scripts/vm/debug-kernel.sh --build $(BUILD)

check-debug: utils debug-kernel
	@tests/vm/run-all.sh --build $(BUILD) --kernel debug $(VM_TESTS)

SANITIZE ?= 1
CHECK_UNIT := check-unit
ifeq ($(SANITIZE),1)
CHECK_UNIT += check-unit-san
endif
# Unit tests first (plain, then sanitized), VM suites last: every suite on
# the production kernel, then the opted-in ones on the debug kernel.
check: $(CHECK_UNIT)
	@$(MAKE) check-vm
	@$(MAKE) check-debug

demo: utils kmod
	@scripts/demo.sh --build $(BUILD)

bench: utils kmod
	@scripts/bench/run.sh --build $(BUILD)

clean:
	rm -rf $(BUILD)
