# bench fragment: `make bench` measures restart latency, memory, CPU,
# control latency, a soak, a valgrind run and scale (tests/bench/run).  It
# needs root and several minutes, so it is never part of `make check`;
# bp-latency, its measuring tool, is built only by `make bench`.
EXTRA_PROGRAMS = tests/bench/bp-latency
tests_bench_bp_latency_SOURCES = tests/bench/bp-latency.c
tests_bench_bp_latency_LDADD = $(BP_LIBS)
CLEANFILES += tests/bench/bp-latency$(EXEEXT)
EXTRA_DIST += tests/bench/run tests/bench/lib.sh tests/bench/vg-self-exe.c

.PHONY: bench
bench: bluepilld$(EXEEXT) bluepillctl$(EXEEXT) tests/bptest$(EXEEXT) \
    tests/bench/bp-latency$(EXEEXT)
	BLUEPILLD='$(abs_top_builddir)/bluepilld$(EXEEXT)'; export BLUEPILLD; \
	BLUEPILLCTL='$(abs_top_builddir)/bluepillctl$(EXEEXT)'; \
	export BLUEPILLCTL; \
	BPTEST='$(abs_top_builddir)/tests/bptest$(EXEEXT)'; export BPTEST; \
	BP_LATENCY='$(abs_top_builddir)/tests/bench/bp-latency$(EXEEXT)'; \
	export BP_LATENCY; \
	TOP_SRCDIR='$(abs_top_srcdir)'; export TOP_SRCDIR; \
	TOP_BUILDDIR='$(abs_top_builddir)'; export TOP_BUILDDIR; \
	CC='$(CC)'; export CC; \
	$(SHELL) '$(srcdir)/tests/bench/run'
