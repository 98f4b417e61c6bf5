"""Guides: short pages for people who start or run a rural coworking space, written by administrators."""
