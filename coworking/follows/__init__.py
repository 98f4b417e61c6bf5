"""Following an area: new spaces and activities of a country, a region or a map view with its filters,
as an e-mail digest (double opt-in, no account), an Atom feed and an iCalendar."""
