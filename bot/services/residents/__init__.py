"""Residents: their channel accounts, their people (sealed personal data), the mini-program's
use cases, and 注销."""
