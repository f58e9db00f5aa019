"""Edit an activity (being built)."""

from common import page_setup

record = page_setup("Edit an activity")
