"""Question → cited answer, without a model. Hybrid search (dense + BM25 fused by reciprocal rank,
title and recency weights, filters, diversity) finds the passages; the extractive answerer
quotes the sentences that answer (its cues: corroboration across reports, full names of
speakers) and cites them; summaries and the daily digest pick central, non-redundant sentences.
"""
