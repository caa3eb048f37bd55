"""A person's code: deciding its colour, showing it (views, cards, hot reads), printing it on
paper, and the keys that verify it."""
