"""Reviews: a resident with a confirmed account rates a space once (1–5, with a text); a partner of its
country approves it before it is public; the space's community builder may answer it once; anyone may
report it."""
