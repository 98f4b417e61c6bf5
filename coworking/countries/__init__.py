"""The network by country: a page per country with spaces (its spaces, regions, networks, activities,
downloads), and the list of countries. Above spaces, networks and activities, which it brings together."""
