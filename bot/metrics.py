"""The service's own Prometheus metrics, beside the process metrics ``/metrics`` always has.

Labels are small fixed sets (a verdict, a limit's name, a notice status): never an openid, a
person or a district, which would both leak and explode the series count.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

RATE_LIMITED = Counter(
    "healthcode_rate_limited_total",
    "Requests refused by a per-account message limit or a per-worker scan limit",
    ["limit"],
)
SCANS = Counter("healthcode_scans_total", "Checkpoint scans by verdict", ["verdict"])
LOOKUPS = Counter(
    "healthcode_lookups_total", "ID-card lookups at checkpoints by outcome", ["outcome"]
)
OUTBOX = Gauge(
    "healthcode_outbox_notices",
    "Notices in the outbox by status, counted when /metrics is read",
    ["status"],
)
OUTBOX_OLDEST_DUE = Gauge(
    "healthcode_outbox_oldest_due_seconds",
    "How long the longest-waiting due notice has waited (0: none waiting)",
)
