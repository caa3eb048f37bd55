"""Tortoise models, one module per aggregate. The ORM is configured in ``bot.db``."""

MODEL_MODULES = [
    "models.district",
    "models.person",
    "models.declaration",
    "models.code",
    "models.dialogue",
    "models.staff",
    "models.outbox",
    "models.authority",
    "models.appeal",
    "models.audit",
    "models.transfer",
    "models.faq",
    "models.trust",
    "models.paper",
    "models.lookup",
]
