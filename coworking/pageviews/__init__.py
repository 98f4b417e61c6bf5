"""Page views of listings: one counter per space and day, without cookies or anything about the visitor."""
