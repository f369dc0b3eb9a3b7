# e2e_check fragment
# End-to-end tests of the conditions, the flapping trigger and
# monitor_children (TAP shell scripts, root only), and the benchmark of
# what the checks cost (run by hand: tests/bench/check-cpu).
E2E_CHECK_TESTS = tests/e2e/checks.sh tests/e2e/chk-http.sh \
	tests/e2e/chk-exec.sh tests/e2e/chk-rate.sh tests/e2e/flapping.sh \
	tests/e2e/children.sh
TESTS += $(E2E_CHECK_TESTS)
EXTRA_DIST += $(E2E_CHECK_TESTS) tests/bench/check-cpu
