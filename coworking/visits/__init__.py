"""Visit requests: a resident asks a space for a visit, its community builders answer yes or no."""
