# fault fragment: end-to-end fault tests (TAP, root only, real daemon) and
# the threat model they back (doc/security.md).
FAULT_TESTS = tests/e2e/fault-term.sh tests/e2e/fault-disk.sh \
	tests/e2e/fault-clients.sh tests/e2e/fault-forkbomb.sh \
	tests/e2e/fault-pidfile.sh tests/e2e/fault-logforge.sh \
	tests/e2e/fault-worker.sh tests/e2e/fault-master.sh \
	tests/e2e/contain-rlimit.sh
TESTS += $(FAULT_TESTS)
EXTRA_DIST += $(FAULT_TESTS) doc/security.md
