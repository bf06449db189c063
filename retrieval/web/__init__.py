"""News from the internet: the safe HTTP fetcher (SSRF rules, size and time caps), a web page
turned into an article, RSS/Atom feeds and their stored state, the poller that brings new
items in on a schedule, and syndicated-copy detection so one story is stored once.
"""
