"""REST API glue only: authentication, scope permission, error format, pagination, routers."""
