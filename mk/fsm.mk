# fsm fragment: the process state machine (src/proc_fsm.c is in mk/core.mk).
check_PROGRAMS += tests/test_proc_fsm
TESTS += tests/test_proc_fsm
tests_test_proc_fsm_SOURCES = tests/test_proc_fsm.c
tests_test_proc_fsm_CFLAGS = $(TEST_CFLAGS)
tests_test_proc_fsm_LDADD = $(TEST_LIBS)
