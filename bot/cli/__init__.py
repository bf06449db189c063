"""The `newsdesk` command line (typer + rich): `ingest`, `ask`, `summarize`, `sources`, `delete`,
`stats`, `reindex`, `fetch`, `feeds`, `digest`, `eval`, `migrate`, `health` and `bot` (which runs
the Discord bot). Domain errors become one clean line and a non-zero exit.
"""
