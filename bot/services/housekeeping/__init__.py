"""The scheduled jobs that keep the data current and bounded: expired codes, the daily reminder,
the purge of chat records, retention."""
