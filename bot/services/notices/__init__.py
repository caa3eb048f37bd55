"""The outbox: writing notices with the change they report, claiming and recording their
delivery, what each one says and which WeChat API carries it."""
