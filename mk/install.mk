# install fragment
