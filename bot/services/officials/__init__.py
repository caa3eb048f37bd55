"""What officials do beside tiers, feeds and appeals: broadcasts, and the figures they read at a
glance."""
