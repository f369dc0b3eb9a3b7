# hostile: a compromised worker attacks the master (tests/test_hostile.c
# plays the driver, the real good worker and every evil worker).
check_PROGRAMS += tests/test_hostile
TESTS += tests/test_hostile
tests_test_hostile_SOURCES = tests/test_hostile.c
tests_test_hostile_CFLAGS = $(TEST_CFLAGS)
tests_test_hostile_LDADD = $(TEST_LIBS)
