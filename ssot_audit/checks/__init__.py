"""Pure checks: each takes the typed views and one item, and returns findings (empty = agrees)."""
