# scoutfs top level.  Everything here is a thin entry point; each folder
# builds and tests itself (see README.md).

.PHONY: all kmod utils tools check demo shell deps clean

all: utils kmod tools

utils:
	$(MAKE) -C utils

kmod:
	$(MAKE) -C kmod

# test programs the guests run from the repository share (fsx)
tools:
	$(MAKE) -C tests/tools

# Installs missing dependencies (root), builds, and runs every suite; the
# last line of output is "N passed, N failed".
check:
	tests/check

demo:
	tests/demo

shell: all
	tests/vm/shell

deps:
	scripts/install-deps

clean:
	$(MAKE) -C utils clean
	$(MAKE) -C kmod clean
	$(MAKE) -C tests/tools clean
	$(MAKE) -C tests/selftest/warn-module clean
	rm -rf results
