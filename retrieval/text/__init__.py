"""Text handling shared by every stage: sentence splitting with character offsets, term weights
(IDF) for picking sentences, the tiktoken encodings (loaded offline), and time windows
(`24h`, `7d`, a date). Nothing here touches a store or the network.
"""
