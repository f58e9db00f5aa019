"""Parties (being built)."""

from common import page_setup

record = page_setup("Parties")
