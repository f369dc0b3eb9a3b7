# install fragment: what makes bluepill a system service.
#
# Besides the programs and the manual pages, "make install" puts:
#	$(sysconfdir)/bluepill.d/example.conf.sample	an inactive example
#	$(sysconfdir)/init.d/bluepill			the LSB init script
#	$(sysconfdir)/default/bluepill			its settings
#	$(sysconfdir)/logrotate.d/bluepill
#	$(sysconfdir)/rsyslog.d/30-bluepill.conf	facility local6
#	$(systemdsystemunitdir)/bluepilld.service
# A system install is ./configure --prefix=/usr --sysconfdir=/etc
# --runstatedir=/run.  The unit directory is pkg-config's
# systemdsystemunitdir taken relative to $(prefix) (so a staging prefix such
# as distcheck's stays inside it), else $(prefix)/lib/systemd/system; set it
# with "make install systemdsystemunitdir=/lib/systemd/system".

bpconfdir = $(sysconfdir)/bluepill.d
initddir = $(sysconfdir)/init.d
initd_SCRIPTS = etc/init.d/bluepill
bpdefaultdir = $(sysconfdir)/default
dist_bpdefault_DATA = etc/default/bluepill
logrotatedir = $(sysconfdir)/logrotate.d
logrotate_DATA = etc/logrotate.d/bluepill
rsyslogdir = $(sysconfdir)/rsyslog.d
systemdsystemunitdir =

EXTRA_DIST += etc/init.d/bluepill.in etc/logrotate.d/bluepill.in \
	etc/systemd/bluepilld.service.in etc/rsyslog.d/bluepill.conf \
	etc/bluepill.d/example.conf.sample
CLEANFILES += etc/init.d/bluepill etc/logrotate.d/bluepill \
	etc/systemd/bluepilld.service

# The configured directories, expanded by make, replace @name@ in the .in
# files.
bp_subst = sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g'

etc/init.d/bluepill: $(srcdir)/etc/init.d/bluepill.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/init.d && rm -f $@ $@.tmp && \
	$(bp_subst) $(srcdir)/etc/init.d/bluepill.in >$@.tmp && \
	chmod 0755 $@.tmp && mv -f $@.tmp $@

etc/logrotate.d/bluepill: $(srcdir)/etc/logrotate.d/bluepill.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/logrotate.d && rm -f $@ $@.tmp && \
	$(bp_subst) $(srcdir)/etc/logrotate.d/bluepill.in >$@.tmp && \
	mv -f $@.tmp $@

etc/systemd/bluepilld.service: $(srcdir)/etc/systemd/bluepilld.service.in \
		Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/systemd && rm -f $@ $@.tmp && \
	$(bp_subst) $(srcdir)/etc/systemd/bluepilld.service.in >$@.tmp && \
	mv -f $@.tmp $@

# Sets $d to the systemd unit directory (shell, for the recipes below).
bp_unitdir_sh = d='$(systemdsystemunitdir)'; \
	if test -z "$$d" && test -n '$(PKG_CONFIG)'; then \
		d=`$(PKG_CONFIG) --define-variable=prefix='$(prefix)' \
		    --define-variable=rootprefix='$(prefix)' \
		    --define-variable=root_prefix='$(prefix)' \
		    --variable=systemdsystemunitdir systemd 2>/dev/null`; \
	fi; \
	test -n "$$d" || d='$(prefix)/lib/systemd/system'

# The drop-in directory must be 0755 whatever the umask (bluepilld refuses
# one writable by group or others); an existing one is left as it is.  The
# rsyslog snippet is renamed so it is read before a 50-default.conf.
install-data-local: etc/systemd/bluepilld.service
	@$(NORMAL_INSTALL)
	test -d '$(DESTDIR)$(bpconfdir)' || \
	    $(INSTALL) -d -m 0755 '$(DESTDIR)$(bpconfdir)'
	$(INSTALL_DATA) '$(srcdir)/etc/bluepill.d/example.conf.sample' \
	    '$(DESTDIR)$(bpconfdir)/example.conf.sample'
	$(MKDIR_P) '$(DESTDIR)$(rsyslogdir)'
	$(INSTALL_DATA) '$(srcdir)/etc/rsyslog.d/bluepill.conf' \
	    '$(DESTDIR)$(rsyslogdir)/30-bluepill.conf'
	@$(bp_unitdir_sh); \
	echo " $(MKDIR_P) '$(DESTDIR)$$d'"; \
	$(MKDIR_P) "$(DESTDIR)$$d" || exit 1; \
	echo " $(INSTALL_DATA) etc/systemd/bluepilld.service '$(DESTDIR)$$d'"; \
	$(INSTALL_DATA) etc/systemd/bluepilld.service \
	    "$(DESTDIR)$$d/bluepilld.service"

# Removes what install-data-local installed; the directories stay (the
# drop-in directory may hold the administrator's files).
uninstall-local:
	@$(NORMAL_UNINSTALL)
	rm -f '$(DESTDIR)$(bpconfdir)/example.conf.sample' \
	    '$(DESTDIR)$(rsyslogdir)/30-bluepill.conf'
	@$(bp_unitdir_sh); \
	echo " rm -f '$(DESTDIR)$$d/bluepilld.service'"; \
	rm -f "$(DESTDIR)$$d/bluepilld.service"

# Prints the installation directories as shell assignments, for
# tests/e2e/install.sh.
.PHONY: install-print-dirs
install-print-dirs:
	@$(bp_unitdir_sh); \
	echo "bp_sbindir='$(sbindir)'"; \
	echo "bp_bindir='$(bindir)'"; \
	echo "bp_mandir='$(mandir)'"; \
	echo "bp_sysconfdir='$(sysconfdir)'"; \
	echo "bp_runstatedir='$(runstatedir)'"; \
	echo "bp_unitdir='$$d'"

# End-to-end tests of the installed tree and of an upgrade (root only).
INSTALL_TESTS = tests/e2e/install.sh tests/e2e/upgrade.sh
TESTS += $(INSTALL_TESTS)
EXTRA_DIST += $(INSTALL_TESTS)
