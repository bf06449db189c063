"""What the tests run against: a fake Discord (REST + gateway on loopback), a fake
OpenAI-compatible server, a loopback HTTP server, real Chroma and PostgreSQL servers, and the
worlds and fixtures built from them.
"""
