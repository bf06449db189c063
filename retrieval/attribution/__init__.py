"""Who said what: attributions (source, cue, content as character spans) found in an article's
text at ingest, the speaker resolved within the article, stored beside the chunks."""
