"""Follow-up questions in a thread: earlier questions give a short follow-up its context.

"and what did Mattis say?" after "what did Dunford say about the drills?" becomes
"what did Mattis say about the drills?": the topic of the latest earlier question that has
one ("about …", "on …") is carried over when a short follow-up names none. Otherwise the
previous question's content words are appended, which is what the search needs. The thread
remembers the questions as asked; since the topic comes from the latest earlier question that
names one, it carries through a chain of follow-ups.
"""

from __future__ import annotations

import re

from retrieval.text.words import FOLLOW_UP_STOPWORDS

MAX_CHARS = 1000
FOLLOW_UP_WORDS = 8  # questions at most this long may lean on the earlier ones
TOPIC = re.compile(r"\b(about|on|regarding|concerning|over|in)\b\s+(?P<topic>[^?]+)", re.IGNORECASE)
LEAD = re.compile(r"^\s*(and|but|so|also|ok|okay|then)\b[\s,]*", re.IGNORECASE)


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z0-9'-]+", text) if w.lower() not in FOLLOW_UP_STOPWORDS]


def with_context(question: str, earlier: list[str]) -> str:
    """The question to search with, given the thread's earlier questions (oldest first)."""
    q = LEAD.sub("", question.strip()).strip()
    q = q[:1].upper() + q[1:] if q and question.strip()[:1].isupper() else q
    if not earlier or len(q.split()) > FOLLOW_UP_WORDS or TOPIC.search(q):
        return q[:MAX_CHARS]
    for previous in reversed(earlier):
        m = TOPIC.search(previous)
        if m:
            topic = m.group(0).strip().rstrip("?.! ")
            core = q.rstrip("?.! ")
            return f"{core} {topic}?"[:MAX_CHARS]
    extra = [w for w in content_words(earlier[-1]) if w.lower() not in q.lower()]
    return (q + " " + " ".join(extra)).strip()[:MAX_CHARS]
