"""Who is calling: checkpoint workers' and officials' bearer tokens, mini-program sessions, and
the per-process cache of both."""
