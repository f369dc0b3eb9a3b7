# doc fragment: the bluepilld(8) manual page.
dist_man_MANS += doc/bluepilld.8
