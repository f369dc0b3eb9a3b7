# e2e_ctl fragment
