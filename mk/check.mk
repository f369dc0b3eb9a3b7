# check fragment: /proc readers and the pure condition evaluators.
libbp_a_SOURCES += src/procfs.c src/check.c
noinst_HEADERS += include/procfs.h include/check.h

check_PROGRAMS += tests/test_procfs tests/test_check
TESTS += tests/test_procfs tests/test_check
tests_test_procfs_SOURCES = tests/test_procfs.c
tests_test_procfs_CFLAGS = $(TEST_CFLAGS)
tests_test_procfs_LDADD = $(TEST_LIBS)
tests_test_check_SOURCES = tests/test_check.c
tests_test_check_CFLAGS = $(TEST_CFLAGS)
tests_test_check_LDADD = $(TEST_LIBS)

EXTRA_DIST += \
	tests/data/proc/children-shell.txt \
	tests/data/proc/smaps_rollup-sleep.txt \
	tests/data/proc/stat-cat.txt \
	tests/data/proc/stat-kthreadd.txt \
	tests/data/proc/stat-nasty-comm.txt \
	tests/data/proc/stat-sleep.txt \
	tests/data/proc/stat-zombie.txt \
	tests/data/proc/status-setuid.txt \
	tests/data/proc/status-sleep.txt \
	tests/data/proc/status-zombie.txt
