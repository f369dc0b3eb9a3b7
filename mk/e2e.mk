# End-to-end tests: TAP shell scripts that run the real bluepilld and
# bluepillctl as root (they skip otherwise), and bptest, the multi-mode
# program they supervise (also used by the benchmarks and the demo).
check_PROGRAMS += tests/bptest
tests_bptest_SOURCES = tests/bptest.c

E2E_TESTS = tests/e2e/start.sh tests/e2e/crash.sh tests/e2e/selfdaemon.sh \
	tests/e2e/actions.sh tests/e2e/stopsig.sh tests/e2e/identity.sh \
	tests/e2e/worker.sh tests/e2e/adopt.sh tests/e2e/recycled.sh \
	tests/e2e/badconf.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += tests/e2e/lib.sh $(E2E_TESTS)

