"""Connectors: one module per source, each turning an API's pages into Mention records.

Connectors know one API each and nothing about storage; `connectors.types` and
`connectors.errors` are the small shared modules that `analysis` and `monitor` may import too.
"""
