# Written by hand: a feed's since and until become instants (see models/authority.py). The
# days on record convert in the region's time zone, Asia/Shanghai: since the midnight that
# starts the day, until (a quarantine's last day) the midnight that ends it. Going back keeps
# the day each instant falls in (until: the day of the last moment before it ends).
from tortoise import fields, migrations

from models.migration_ops import AlterColumnBySQL

TZ = "Asia/Shanghai"


class Migration(migrations.Migration):
    dependencies = [('models', '0010_notice_coalescing')]

    initial = False

    operations = [
        AlterColumnBySQL(
            model_name='AuthorityRecord',
            name='since',
            field=fields.DatetimeField(auto_now=False, auto_now_add=False),
            forward={
                'postgres': 'ALTER TABLE "authority_record" ALTER COLUMN "since" TYPE TIMESTAMPTZ'
                f" USING (\"since\"::timestamp AT TIME ZONE '{TZ}')",
                'sqlite': 'UPDATE "authority_record" SET "since" ='
                " datetime(\"since\", '-8 hours') || '+00:00'",
            },
            backward={
                'postgres': 'ALTER TABLE "authority_record" ALTER COLUMN "since" TYPE DATE'
                f" USING ((\"since\" AT TIME ZONE '{TZ}')::date)",
                'sqlite': 'UPDATE "authority_record" SET "since" ='
                " date(substr(\"since\", 1, 19), '+8 hours')",
            },
        ),
        AlterColumnBySQL(
            model_name='AuthorityRecord',
            name='until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
            forward={
                'postgres': 'ALTER TABLE "authority_record" ALTER COLUMN "until" TYPE TIMESTAMPTZ'
                f" USING ((\"until\" + 1)::timestamp AT TIME ZONE '{TZ}')",
                'sqlite': 'UPDATE "authority_record" SET "until" ='
                " datetime(\"until\", '+1 day', '-8 hours') || '+00:00' WHERE \"until\" IS NOT NULL",
            },
            backward={
                'postgres': 'ALTER TABLE "authority_record" ALTER COLUMN "until" TYPE DATE'
                f" USING (((\"until\" AT TIME ZONE '{TZ}') - interval '1 microsecond')::date)",
                'sqlite': 'UPDATE "authority_record" SET "until" ='
                " date(substr(\"until\", 1, 19), '+8 hours', '-1 second') WHERE \"until\" IS NOT NULL",
            },
        ),
    ]
