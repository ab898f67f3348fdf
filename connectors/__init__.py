"""Connectors: one package per source (`connectors/<type>/`), each turning an API's pages into
Mention records, built on the template in `connectors.base` and the one HTTP layer in `connectors.http`.

Connectors know one API each and nothing about storage; `connectors.types` and
`connectors.errors` are the small shared modules that `analysis` and `monitor` may import too.
"""
