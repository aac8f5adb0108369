"""Parsers for what hosts print: one module per format, pure functions over text.

They know the formats' pitfalls (see each module) and nothing about the spine or
about how the text was fetched; `ssot_audit.probe` fetches, `ssot_audit.hostview`
joins the two.
"""
