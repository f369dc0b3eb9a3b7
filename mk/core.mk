# The supervision core: master, workers, spawning, messages, logging.
sbin_PROGRAMS += bluepilld
bluepilld_SOURCES = src/bluepilld.c
bluepilld_LDADD = $(BP_DAEMON_LIBS)
bluepilld_DEPENDENCIES = libbp.a

libbp_a_SOURCES += src/log.c src/log_ring.c src/msg.c
noinst_HEADERS += include/bluepill.h include/conf.h include/log.h \
	include/log_ring.h \
	include/msg.h include/ctl_proto.h

EXTRA_DIST += mk/core.mk mk/conf.mk mk/fsm.mk mk/ctl.mk mk/check.mk \
	mk/e2e.mk mk/doc.mk mk/hostile.mk mk/e2e_ctl.mk mk/e2e_check.mk \
	mk/install.mk mk/bench.mk mk/fuzz.mk mk/fault.mk
libbp_a_SOURCES += src/proc_fsm.c
noinst_HEADERS += include/proc_fsm.h
libbp_a_SOURCES += src/spawn.c src/cgroup.c src/conf_wire.c
noinst_HEADERS += include/spawn.h include/cgroup.h include/conf_wire.h
libbp_a_SOURCES += src/priv.c
noinst_HEADERS += include/priv.h
libbp_a_SOURCES += src/master.c src/worker.c src/proc.c src/control.c
noinst_HEADERS += include/master.h include/worker.h include/proc.h \
	include/control.h

# The demo: bluepilld in the foreground as an ordinary user (README).
EXTRA_DIST += etc/demo/demo.sh etc/demo/web.conf.in etc/demo/pool.conf.in \
	etc/demo/leaky.conf.in etc/demo/crashy.conf.in .ci/run README
.PHONY: demo
demo: bluepilld$(EXEEXT) bluepillctl$(EXEEXT) tests/bptest$(EXEEXT)
	BUILDDIR='$(abs_top_builddir)' $(SHELL) '$(abs_top_srcdir)/etc/demo/demo.sh'
libbp_a_SOURCES += src/monitor.c src/check_http.c
noinst_HEADERS += include/monitor.h include/check_http.h
