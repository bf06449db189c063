"""The Discord bot (discord.py): `NewsBot` holds the clients it is given, one cog per feature in
`cogs/` (`/ask`, `/summary`, `/sources`, `/ingest`, `/forget`, `/feeds`, `/digest`, mentions and
threads), and `render.py` turns answers into embeds within Discord's limits.
"""
