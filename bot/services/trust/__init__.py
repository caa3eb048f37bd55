"""The trust list of other regions whose codes our checkpoints accept, its daily refresh, and
the per-process copy scans read."""
