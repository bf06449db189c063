"""Answers written by an OpenAI-compatible model from the retrieved passages: the chat client
with retries and streaming, prompt packing within the context budget, the citation check that
keeps only supported sentences, map-reduce for long summaries, and the rewrite of a thread's
follow-up into a standalone question. Every path falls back to the extractive answer.
"""
