# scoutfs top level.  Everything here is a thin entry point; each folder
# builds and tests itself (see README.md).

.PHONY: all kmod utils check demo shell deps clean

all: utils kmod

utils:
	$(MAKE) -C utils

kmod:
	$(MAKE) -C kmod

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
	$(MAKE) -C tests/selftest/warn-module clean
	rm -rf results
