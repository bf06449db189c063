"""Text handling shared by every stage: sentence splitting with character offsets, the stop words
and stemmers (`words`), term weights (IDF) for picking sentences, hostile text that is never
quoted and mentions that must not ping (`safety`), the tiktoken encodings (loaded offline), and
time windows (`24h`, `7d`, a date). Nothing here touches a store or the network.
"""
