"""The network's calendar above the spaces: the builders' writes of their spaces' activities (editing, forms,
manage) and the public pages of the calendar."""
