"""Project-written feeds and article pages for the web tests (RSS 0.91, 1.0, 2.0, Atom)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape


@dataclass
class Item:
    guid: str
    title: str
    link: str
    summary: str
    date: str = "Mon, 04 Mar 2024 09:00:00 GMT"  # RFC 822 (RSS); Atom gets ISO
    iso: str = "2024-03-04T09:00:00Z"
    author: str = "Ada Reporter"
    content: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def rss20(title: str, items: list[Item]) -> str:
    body = "".join(
        f"""<item><guid isPermaLink="false">{escape(i.guid)}</guid><title>{escape(i.title)}</title>
<link>{escape(i.link)}</link><description>{escape(i.summary)}</description>
<pubDate>{i.date}</pubDate><author>{escape(i.author)}</author>
{f"<content:encoded><![CDATA[{i.content}]]></content:encoded>" if i.content else ""}</item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>{escape(title)}</title><link>http://example.test/</link>
<description>test feed</description>{body}</channel></rss>"""


def rss091(title: str, items: list[Item]) -> str:
    body = "".join(
        f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
        f"<description>{escape(i.summary)}</description></item>"
        for i in items
    )
    return f"""<?xml version="1.0"?>
<rss version="0.91"><channel><title>{escape(title)}</title><link>http://example.test/</link>
<description>old feed</description><language>en</language>{body}</channel></rss>"""


def rdf10(title: str, items: list[Item]) -> str:
    body = "".join(
        f"""<item rdf:about="{escape(i.link)}"><title>{escape(i.title)}</title>
<link>{escape(i.link)}</link><description>{escape(i.summary)}</description>
<dc:date>{i.iso}</dc:date><dc:creator>{escape(i.author)}</dc:creator></item>"""
        for i in items
    )
    return f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://example.test/"><title>{escape(title)}</title>
<link>http://example.test/</link><description>rdf feed</description></channel>{body}</rdf:RDF>"""


def atom(title: str, items: list[Item]) -> str:
    body = "".join(
        f"""<entry><id>{escape(i.guid)}</id><title>{escape(i.title)}</title>
<link rel="alternate" href="{escape(i.link)}"/><updated>{i.iso}</updated>
<published>{i.iso}</published><author><name>{escape(i.author)}</name></author>
<summary>{escape(i.summary)}</summary></entry>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>
<id>urn:test:{escape(title)}</id><updated>2024-03-04T09:00:00Z</updated>{body}</feed>"""


def article_page(
    title: str,
    paragraphs: list[str],
    author: str = "Ada Reporter",
    published: str = "2024-03-04",
    canonical: str = "",
) -> str:
    """A news page with page furniture around the story, as trafilatura sees them in the wild."""
    paras = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    return f"""<!DOCTYPE html><html><head><title>{escape(title)} | The Test Times</title>{link}
<meta name="author" content="{escape(author)}">
<meta property="article:published_time" content="{published}T08:00:00Z">
<meta property="og:title" content="{escape(title)}"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>{escape(title)}</h1><p class="byline">By {escape(author)}</p>
{paras}
</article><footer>Copyright The Test Times. All rights reserved.</footer></body></html>"""


HTML_NOT_A_FEED = """<!DOCTYPE html><html><head><title>News home</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="http://example.test/rss.xml">
</head><body><h1>Welcome</h1><p>Latest news.</p></body></html>"""

MALFORMED_XML = """<?xml version="1.0"?><rss version="2.0"><channel><title>Broken
<item><title>Half an item</title><link>http://example.test/x</link><description>cut <b>off"""
