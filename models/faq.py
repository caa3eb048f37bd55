from tortoise import fields
from tortoise.models import Model


class UnansweredQuestion(Model):
    """A question a resident asked that the FAQ did not answer, kept so officials see what
    residents ask (bot/services/faq/questions.py). Document and phone numbers are masked
    before it is sealed; ``text_key`` (a keyed hash of the masked text) counts the same
    question asked again. Deleted after the retention days, like every other record."""

    id = fields.IntField(primary_key=True)
    text_sealed = fields.TextField()
    text_key = fields.CharField(max_length=64, db_index=True)
    lang = fields.CharField(max_length=2)
    channel = fields.CharField(max_length=8)  # "wechat" or "miniapp"
    asked_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "unanswered_question"
