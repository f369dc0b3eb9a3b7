# conf: drop-in loader, its tests and fixtures, bluepill.conf(5).
libbp_a_SOURCES += src/conf.c

check_PROGRAMS += tests/test_conf
TESTS += tests/test_conf
tests_test_conf_SOURCES = tests/test_conf.c
tests_test_conf_CFLAGS = $(TEST_CFLAGS)
tests_test_conf_LDADD = $(TEST_LIBS)

dist_man_MANS += doc/bluepill.conf.5

# Fixtures: one defect per bad-*.conf; dir/ is a drop-in directory.
EXTRA_DIST += \
	tests/data/conf/bad-argv-type.conf \
	tests/data/conf/bad-bigint.conf \
	tests/data/conf/bad-check-key.conf \
	tests/data/conf/bad-check-no-every.conf \
	tests/data/conf/bad-check-no-type.conf \
	tests/data/conf/bad-check-type.conf \
	tests/data/conf/bad-check-unknown-key.conf \
	tests/data/conf/bad-checks-limit.conf \
	tests/data/conf/bad-checks-type.conf \
	tests/data/conf/bad-children-fires.conf \
	tests/data/conf/bad-children-flapping.conf \
	tests/data/conf/bad-children-key.conf \
	tests/data/conf/bad-children-no-stop.conf \
	tests/data/conf/bad-children-type.conf \
	tests/data/conf/bad-cpu.conf \
	tests/data/conf/bad-ctl-groups-unknown.conf \
	tests/data/conf/bad-ctl-groups.conf \
	tests/data/conf/bad-dup-default-pidfile.conf \
	tests/data/conf/bad-dup-pidfile.conf \
	tests/data/conf/bad-dup-proc.conf \
	tests/data/conf/bad-duration-empty.conf \
	tests/data/conf/bad-duration-int-overflow.conf \
	tests/data/conf/bad-duration-negative.conf \
	tests/data/conf/bad-duration-overflow.conf \
	tests/data/conf/bad-duration-type.conf \
	tests/data/conf/bad-duration-unit.conf \
	tests/data/conf/bad-empty-argv.conf \
	tests/data/conf/bad-empty-cmd.conf \
	tests/data/conf/bad-env-name.conf \
	tests/data/conf/bad-env-type.conf \
	tests/data/conf/bad-env-value.conf \
	tests/data/conf/bad-every-small.conf \
	tests/data/conf/bad-exec-no-command.conf \
	tests/data/conf/bad-file-time.conf \
	tests/data/conf/bad-fires-dup.conf \
	tests/data/conf/bad-fires.conf \
	tests/data/conf/bad-flapping-every.conf \
	tests/data/conf/bad-flapping-twice.conf \
	tests/data/conf/bad-flapping-within.conf \
	tests/data/conf/bad-grace-zero.conf \
	tests/data/conf/bad-group-name.conf \
	tests/data/conf/bad-http-kind.conf \
	tests/data/conf/bad-http-missing-url.conf \
	tests/data/conf/bad-http-pattern.conf \
	tests/data/conf/bad-http-port.conf \
	tests/data/conf/bad-http-url.conf \
	tests/data/conf/bad-include.conf \
	tests/data/conf/bad-log-file.conf \
	tests/data/conf/bad-multi.conf \
	tests/data/conf/bad-name.conf \
	tests/data/conf/bad-needs-root-gid.conf \
	tests/data/conf/bad-needs-root-supp.conf \
	tests/data/conf/bad-needs-root-worker.conf \
	tests/data/conf/bad-needs-root.conf \
	tests/data/conf/bad-no-name-proc.conf \
	tests/data/conf/bad-no-processes.conf \
	tests/data/conf/bad-no-start.conf \
	tests/data/conf/bad-pid-placeholder-exec.conf \
	tests/data/conf/bad-pid-placeholder.conf \
	tests/data/conf/bad-proc-name.conf \
	tests/data/conf/bad-processes-empty.conf \
	tests/data/conf/bad-processes-type.conf \
	tests/data/conf/bad-relpath.conf \
	tests/data/conf/bad-sigsteps-even.conf \
	tests/data/conf/bad-sigsteps-many.conf \
	tests/data/conf/bad-sigsteps-number.conf \
	tests/data/conf/bad-sigsteps-sum.conf \
	tests/data/conf/bad-sigsteps-unknown.conf \
	tests/data/conf/bad-size-float.conf \
	tests/data/conf/bad-size-negative.conf \
	tests/data/conf/bad-size-unit.conf \
	tests/data/conf/bad-supp-group.conf \
	tests/data/conf/bad-syntax.conf \
	tests/data/conf/bad-times-big.conf \
	tests/data/conf/bad-max-processes.conf \
	tests/data/conf/bad-max-processes-type.conf \
	tests/data/conf/bad-times.conf \
	tests/data/conf/bad-type-bool.conf \
	tests/data/conf/bad-type-cmd.conf \
	tests/data/conf/bad-type-string.conf \
	tests/data/conf/bad-unknown-group.conf \
	tests/data/conf/bad-unknown-key.conf \
	tests/data/conf/bad-unknown-proc-key.conf \
	tests/data/conf/bad-unknown-proc-user.conf \
	tests/data/conf/bad-unknown-user.conf \
	tests/data/conf/bad-worker-managed.conf \
	tests/data/conf/bad-worker-root.conf \
	tests/data/conf/dir/.hidden.conf \
	tests/data/conf/dir/10-shop.conf \
	tests/data/conf/dir/20-broken.conf \
	tests/data/conf/dir/30-shop-again.conf \
	tests/data/conf/dir/40-other.conf \
	tests/data/conf/dir/50-pidclash.conf \
	tests/data/conf/dir/60-old.conf.bak \
	tests/data/conf/dir/README \
	tests/data/conf/good-defaults.conf \
	tests/data/conf/good-full.conf \
	tests/data/conf/good-identity.conf \
	tests/data/conf/good-spec.conf
