# e2e_check fragment
