# ctl fragment: bluepillctl, the control request codec (shared with the
# worker) and the renderers of its output.
bin_PROGRAMS += bluepillctl
bluepillctl_SOURCES = src/bluepillctl.c
bluepillctl_LDADD = $(BP_LIBS)

libbp_a_SOURCES += src/ctl_proto.c src/ctl_render.c
noinst_HEADERS += include/ctl_render.h

dist_man_MANS += doc/bluepillctl.8

# test_ctl: codec, target matching and renderers, on fixed input.
check_PROGRAMS += tests/test_ctl
TESTS += tests/test_ctl
tests_test_ctl_SOURCES = tests/test_ctl.c
tests_test_ctl_CFLAGS = $(TEST_CFLAGS)
tests_test_ctl_LDADD = $(TEST_LIBS)

# test_ctl_client: the built bluepillctl ($BLUEPILLCTL) against a fake
# worker socket in a scratch directory.
check_PROGRAMS += tests/test_ctl_client
TESTS += tests/test_ctl_client
tests_test_ctl_client_SOURCES = tests/test_ctl_client.c
tests_test_ctl_client_CFLAGS = $(TEST_CFLAGS)
tests_test_ctl_client_LDADD = $(TEST_LIBS)
EXTRA_tests_test_ctl_client_DEPENDENCIES = bluepillctl$(EXEEXT)

# test_log_ring: the worker's fixed ring of recent log lines.
check_PROGRAMS += tests/test_log_ring
TESTS += tests/test_log_ring
tests_test_log_ring_SOURCES = tests/test_log_ring.c
tests_test_log_ring_CFLAGS = $(TEST_CFLAGS)
tests_test_log_ring_LDADD = $(TEST_LIBS)
