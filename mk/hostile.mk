# hostile fragment
