"""What the console lists and counts (no Kivy): plain reads, one module per
ledger, each a function of (conn, ...) run under the store's lock through
``ServerStore.read``. They never change anything."""

PAGE_SIZE = 50  # rows in a page of every console list
