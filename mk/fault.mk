# fault fragment
