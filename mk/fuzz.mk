# fuzz fragment: libFuzzer targets, built only by `make fuzz` (clang, with
# ASan and UBSan) and run by tests/fuzz/run; their seed corpora; and
# test_fuzz_regress, which replays the seeds and every saved crash with
# the normal compiler under `make check`.
#
# The library sources are compiled once more for fuzzing into
# tests/fuzz/obj/libbpfuzz.a (the checked build's objects lack the
# coverage instrumentation).  fuzz_msg includes src/worker.c and
# src/control.c to reach their statics, so their archive members are
# never pulled in (worker.c's is not even built).
FUZZ_CC = clang
FUZZ_SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined
# clang-only: log.c passes its checked format on as a va_list.
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -Wno-format-nonliteral
FUZZ_ALL_CFLAGS = $(AM_CPPFLAGS) $(CPPFLAGS) -std=c11 $(WARN_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBCAPNG_CFLAGS) \
	$(JANSSON_CFLAGS) $(FUZZ_SANFLAGS) $(FUZZ_CFLAGS)
FUZZ_LIBS = $(LIBEVENT_LIBS) $(LIBCONFIG_LIBS) $(LIBCAPNG_LIBS) -lm \
	$(JANSSON_LIBS)
FUZZ_OBJDIR = tests/fuzz/obj
FUZZ_LIB = $(FUZZ_OBJDIR)/libbpfuzz.a
FUZZ_NAMES = fuzz_conf fuzz_ctl fuzz_msg fuzz_procfs

.PHONY: fuzz fuzz-lib fuzz-clean
fuzz: fuzz-lib
	@set -e; for t in $(FUZZ_NAMES); do \
	  bin=tests/fuzz/$$t; src=$(top_srcdir)/tests/fuzz/$$t.c; \
	  if test ! -f $$bin || test $$src -nt $$bin || \
	      test $(FUZZ_LIB) -nt $$bin || \
	      test $(top_srcdir)/tests/fuzz/fuzz.h -nt $$bin || \
	      test $(top_srcdir)/src/worker.c -nt $$bin || \
	      test $(top_srcdir)/src/control.c -nt $$bin; then \
	    echo "  FUZZLD   $$bin"; \
	    $(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -fsanitize=fuzzer -o $$bin $$src \
	      $(FUZZ_LIB) $(FUZZ_LIBS); \
	  fi; \
	done

# A library object is rebuilt when its source, config.h or any header
# is newer; the archive when any object is.
fuzz-lib: config.h
	@$(MKDIR_P) $(FUZZ_OBJDIR)
	@set -e; objs=; stale=; \
	for s in $(libbp_a_SOURCES); do \
	  o=$(FUZZ_OBJDIR)/`basename $$s .c`.o; \
	  case $$s in src/worker.c) continue;; esac; \
	  objs="$$objs $$o"; \
	  if test ! -f $$o || test $(top_srcdir)/$$s -nt $$o || \
	      test config.h -nt $$o || \
	      test -n "`find $(top_srcdir)/include -newer $$o -name '*.h'`"; \
	  then \
	    echo "  FUZZCC   $$o"; \
	    $(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -fsanitize=fuzzer-no-link \
	      -c -o $$o $(top_srcdir)/$$s; \
	    stale=1; \
	  fi; \
	done; \
	if test -n "$$stale" || test ! -f $(FUZZ_LIB); then \
	  rm -f $(FUZZ_LIB); \
	  echo "  FUZZAR   $(FUZZ_LIB)"; \
	  $(AR) rcs $(FUZZ_LIB) $$objs; \
	fi

# Also drops the corpora and crashes tests/fuzz/run collected.
fuzz-clean:
	rm -rf $(FUZZ_OBJDIR) tests/fuzz/work tests/fuzz/crashes
	rm -f tests/fuzz/fuzz_conf tests/fuzz/fuzz_ctl tests/fuzz/fuzz_msg \
	  tests/fuzz/fuzz_procfs

CLEANFILES += tests/fuzz/fuzz_conf tests/fuzz/fuzz_ctl tests/fuzz/fuzz_msg \
	tests/fuzz/fuzz_procfs $(FUZZ_OBJDIR)/*.o $(FUZZ_LIB)

# The regression test: the fuzz targets' bodies, without libFuzzer.
check_PROGRAMS += tests/test_fuzz_regress
TESTS += tests/test_fuzz_regress
tests_test_fuzz_regress_SOURCES = tests/test_fuzz_regress.c \
	tests/fuzz/fuzz.h tests/fuzz/fuzz_conf.c tests/fuzz/fuzz_ctl.c \
	tests/fuzz/fuzz_msg.c tests/fuzz/fuzz_procfs.c
tests_test_fuzz_regress_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NO_MAIN \
	-DFUZZ_DIR='"$(abs_top_srcdir)/tests/fuzz"'
tests_test_fuzz_regress_CFLAGS = $(TEST_CFLAGS)
tests_test_fuzz_regress_LDADD = $(TEST_LIBS)

EXTRA_DIST += tests/fuzz/run tests/fuzz/lsan.supp

# Seeds (tests/fuzz/corpus) and saved crashes (tests/fuzz/regress).
EXTRA_DIST += \
	tests/fuzz/corpus/fuzz_conf/bad-argv-type.conf \
	tests/fuzz/corpus/fuzz_conf/bad-bigint.conf \
	tests/fuzz/corpus/fuzz_conf/bad-check-key.conf \
	tests/fuzz/corpus/fuzz_conf/bad-check-no-every.conf \
	tests/fuzz/corpus/fuzz_conf/bad-check-no-type.conf \
	tests/fuzz/corpus/fuzz_conf/bad-check-type.conf \
	tests/fuzz/corpus/fuzz_conf/bad-check-unknown-key.conf \
	tests/fuzz/corpus/fuzz_conf/bad-checks-limit.conf \
	tests/fuzz/corpus/fuzz_conf/bad-checks-type.conf \
	tests/fuzz/corpus/fuzz_conf/bad-children-fires.conf \
	tests/fuzz/corpus/fuzz_conf/bad-children-flapping.conf \
	tests/fuzz/corpus/fuzz_conf/bad-children-key.conf \
	tests/fuzz/corpus/fuzz_conf/bad-children-no-stop.conf \
	tests/fuzz/corpus/fuzz_conf/bad-children-type.conf \
	tests/fuzz/corpus/fuzz_conf/bad-cpu.conf \
	tests/fuzz/corpus/fuzz_conf/bad-ctl-groups-unknown.conf \
	tests/fuzz/corpus/fuzz_conf/bad-ctl-groups.conf \
	tests/fuzz/corpus/fuzz_conf/bad-dup-default-pidfile.conf \
	tests/fuzz/corpus/fuzz_conf/bad-dup-pidfile.conf \
	tests/fuzz/corpus/fuzz_conf/bad-dup-proc.conf \
	tests/fuzz/corpus/fuzz_conf/bad-duration-empty.conf \
	tests/fuzz/corpus/fuzz_conf/bad-duration-int-overflow.conf \
	tests/fuzz/corpus/fuzz_conf/bad-duration-negative.conf \
	tests/fuzz/corpus/fuzz_conf/bad-duration-overflow.conf \
	tests/fuzz/corpus/fuzz_conf/bad-duration-type.conf \
	tests/fuzz/corpus/fuzz_conf/bad-duration-unit.conf \
	tests/fuzz/corpus/fuzz_conf/bad-empty-argv.conf \
	tests/fuzz/corpus/fuzz_conf/bad-empty-cmd.conf \
	tests/fuzz/corpus/fuzz_conf/bad-env-name.conf \
	tests/fuzz/corpus/fuzz_conf/bad-env-type.conf \
	tests/fuzz/corpus/fuzz_conf/bad-env-value.conf \
	tests/fuzz/corpus/fuzz_conf/bad-every-small.conf \
	tests/fuzz/corpus/fuzz_conf/bad-exec-no-command.conf \
	tests/fuzz/corpus/fuzz_conf/bad-file-time.conf \
	tests/fuzz/corpus/fuzz_conf/bad-fires-dup.conf \
	tests/fuzz/corpus/fuzz_conf/bad-fires.conf \
	tests/fuzz/corpus/fuzz_conf/bad-flapping-every.conf \
	tests/fuzz/corpus/fuzz_conf/bad-flapping-twice.conf \
	tests/fuzz/corpus/fuzz_conf/bad-flapping-within.conf \
	tests/fuzz/corpus/fuzz_conf/bad-grace-zero.conf \
	tests/fuzz/corpus/fuzz_conf/bad-group-name.conf \
	tests/fuzz/corpus/fuzz_conf/bad-http-kind.conf \
	tests/fuzz/corpus/fuzz_conf/bad-http-missing-url.conf \
	tests/fuzz/corpus/fuzz_conf/bad-http-pattern.conf \
	tests/fuzz/corpus/fuzz_conf/bad-http-port.conf \
	tests/fuzz/corpus/fuzz_conf/bad-http-url.conf \
	tests/fuzz/corpus/fuzz_conf/bad-include.conf \
	tests/fuzz/corpus/fuzz_conf/bad-log-file.conf \
	tests/fuzz/corpus/fuzz_conf/bad-multi.conf \
	tests/fuzz/corpus/fuzz_conf/bad-name.conf \
	tests/fuzz/corpus/fuzz_conf/bad-needs-root-gid.conf \
	tests/fuzz/corpus/fuzz_conf/bad-needs-root-supp.conf \
	tests/fuzz/corpus/fuzz_conf/bad-needs-root-worker.conf \
	tests/fuzz/corpus/fuzz_conf/bad-needs-root.conf \
	tests/fuzz/corpus/fuzz_conf/bad-no-name-proc.conf \
	tests/fuzz/corpus/fuzz_conf/bad-no-processes.conf \
	tests/fuzz/corpus/fuzz_conf/bad-no-start.conf \
	tests/fuzz/corpus/fuzz_conf/bad-pid-placeholder-exec.conf \
	tests/fuzz/corpus/fuzz_conf/bad-pid-placeholder.conf \
	tests/fuzz/corpus/fuzz_conf/bad-proc-name.conf \
	tests/fuzz/corpus/fuzz_conf/bad-processes-empty.conf \
	tests/fuzz/corpus/fuzz_conf/bad-processes-type.conf \
	tests/fuzz/corpus/fuzz_conf/bad-relpath.conf \
	tests/fuzz/corpus/fuzz_conf/bad-sigsteps-even.conf \
	tests/fuzz/corpus/fuzz_conf/bad-sigsteps-many.conf \
	tests/fuzz/corpus/fuzz_conf/bad-sigsteps-number.conf \
	tests/fuzz/corpus/fuzz_conf/bad-sigsteps-sum.conf \
	tests/fuzz/corpus/fuzz_conf/bad-sigsteps-unknown.conf \
	tests/fuzz/corpus/fuzz_conf/bad-size-float.conf \
	tests/fuzz/corpus/fuzz_conf/bad-size-negative.conf \
	tests/fuzz/corpus/fuzz_conf/bad-size-unit.conf \
	tests/fuzz/corpus/fuzz_conf/bad-supp-group.conf \
	tests/fuzz/corpus/fuzz_conf/bad-syntax.conf \
	tests/fuzz/corpus/fuzz_conf/bad-times-big.conf \
	tests/fuzz/corpus/fuzz_conf/bad-times.conf \
	tests/fuzz/corpus/fuzz_conf/bad-type-bool.conf \
	tests/fuzz/corpus/fuzz_conf/bad-type-cmd.conf \
	tests/fuzz/corpus/fuzz_conf/bad-type-string.conf \
	tests/fuzz/corpus/fuzz_conf/bad-unknown-group.conf \
	tests/fuzz/corpus/fuzz_conf/bad-unknown-key.conf \
	tests/fuzz/corpus/fuzz_conf/bad-unknown-proc-key.conf \
	tests/fuzz/corpus/fuzz_conf/bad-unknown-proc-user.conf \
	tests/fuzz/corpus/fuzz_conf/bad-unknown-user.conf \
	tests/fuzz/corpus/fuzz_conf/bad-worker-managed.conf \
	tests/fuzz/corpus/fuzz_conf/bad-worker-root.conf \
	tests/fuzz/corpus/fuzz_conf/dir-10-shop.conf \
	tests/fuzz/corpus/fuzz_conf/dir-20-broken.conf \
	tests/fuzz/corpus/fuzz_conf/dir-30-shop-again.conf \
	tests/fuzz/corpus/fuzz_conf/dir-40-other.conf \
	tests/fuzz/corpus/fuzz_conf/dir-50-pidclash.conf \
	tests/fuzz/corpus/fuzz_conf/good-defaults.conf \
	tests/fuzz/corpus/fuzz_conf/good-full.conf \
	tests/fuzz/corpus/fuzz_conf/good-identity.conf \
	tests/fuzz/corpus/fuzz_conf/good-spec.conf \
	tests/fuzz/corpus/fuzz_conf/unit-100MB \
	tests/fuzz/corpus/fuzz_conf/unit-10s \
	tests/fuzz/corpus/fuzz_conf/unit-2d \
	tests/fuzz/corpus/fuzz_conf/unit-500ms \
	tests/fuzz/corpus/fuzz_ctl/bad-colons \
	tests/fuzz/corpus/fuzz_ctl/bad-dup \
	tests/fuzz/corpus/fuzz_ctl/bad-version \
	tests/fuzz/corpus/fuzz_ctl/log-follow \
	tests/fuzz/corpus/fuzz_ctl/match-full \
	tests/fuzz/corpus/fuzz_ctl/match-group \
	tests/fuzz/corpus/fuzz_ctl/quit \
	tests/fuzz/corpus/fuzz_ctl/reload \
	tests/fuzz/corpus/fuzz_ctl/restart-ungrouped \
	tests/fuzz/corpus/fuzz_ctl/start-group \
	tests/fuzz/corpus/fuzz_ctl/status \
	tests/fuzz/corpus/fuzz_ctl/stop-target \
	tests/fuzz/corpus/fuzz_ctl/unmonitor-unicode \
	tests/fuzz/corpus/fuzz_ctl/version \
	tests/fuzz/corpus/fuzz_msg/m-requests \
	tests/fuzz/corpus/fuzz_msg/w-good-defaults.conf \
	tests/fuzz/corpus/fuzz_msg/w-good-full.conf \
	tests/fuzz/corpus/fuzz_msg/w-good-identity.conf \
	tests/fuzz/corpus/fuzz_msg/w-good-spec.conf \
	tests/fuzz/corpus/fuzz_procfs/children-shell.txt \
	tests/fuzz/corpus/fuzz_procfs/smaps_rollup-sleep.txt \
	tests/fuzz/corpus/fuzz_procfs/stat-cat.txt \
	tests/fuzz/corpus/fuzz_procfs/stat-kthreadd.txt \
	tests/fuzz/corpus/fuzz_procfs/stat-nasty-comm.txt \
	tests/fuzz/corpus/fuzz_procfs/stat-sleep.txt \
	tests/fuzz/corpus/fuzz_procfs/stat-zombie.txt \
	tests/fuzz/corpus/fuzz_procfs/status-setuid.txt \
	tests/fuzz/corpus/fuzz_procfs/status-sleep.txt \
	tests/fuzz/corpus/fuzz_procfs/status-zombie.txt \
	tests/fuzz/regress/fuzz_msg/empty-datagram-fds
