"""The network's calendar, above the spaces and beside visits: the builders' writes of their spaces'
activities (editing, forms, manage) and the calendar as the public reads it (listing, pages, feeds, jsonld,
api): /activities by day or by month with the spaces search's filters of where, one page per activity with
its JSON-LD, and iCalendar feeds."""
