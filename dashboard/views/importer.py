"""Import a spreadsheet (being built)."""

from common import page_setup

record = page_setup("Import a spreadsheet")
