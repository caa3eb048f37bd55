"""Re-deciding many people at once: tier changes, a new ruleset, and the set-based batches
behind them and the feeds."""
