"""The builder's desk: what waits at the spaces a community builder runs, and how often their pages are seen."""
