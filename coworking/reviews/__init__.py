"""Reviews: a resident with a confirmed account rates a space once (1–5, with a text); a partner of its
country approves it before it is public; the space answers it once (its community builder, or a partner of
its country for it); anyone may report it."""
