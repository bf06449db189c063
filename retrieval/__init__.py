"""newsdesk's engine: articles, chunking, embedding, store, search, answering."""
