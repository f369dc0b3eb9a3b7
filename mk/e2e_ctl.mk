# e2e_ctl fragment
# End-to-end tests of the control plane: every bluepillctl command against
# the real bluepilld (root only; they skip otherwise), commands fired back
# to back, and reload.  The status latency benchmark is shipped, not run.
E2E_CTL_TESTS = tests/e2e/control.sh tests/e2e/sequence.sh \
	tests/e2e/reload.sh
TESTS += $(E2E_CTL_TESTS)
EXTRA_DIST += $(E2E_CTL_TESTS) tests/bench/status-latency
