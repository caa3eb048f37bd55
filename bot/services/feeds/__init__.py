"""The health authorities' feeds: reading a file, checking each record, writing them set-based,
re-deciding the people they name."""
