"""Residents' stories: a space's community builders publish them with the resident's recorded consent."""
