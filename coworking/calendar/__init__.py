"""The network's calendar, as the public reads it: /activities (by day or by month, with the spaces search's
filters of where), one page per activity with its JSON-LD, and iCalendar feeds. Beside visits: above
activities and spaces, whose services it brings together; below the pages that show its lists."""
