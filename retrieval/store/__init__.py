"""Where everything is kept. The state database (SQLite or PostgreSQL): articles, chunk rows, the
BM25 lexical index, feedback, usage counters and leases; the vectors in Chroma (on disk or a
Chroma server); `Store` writes an article's rows and vectors together. `migrate` copies a whole
store from the embedded backends to the servers.
"""
