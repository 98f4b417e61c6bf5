"""A community directory of rural coworking spaces in Europe."""
