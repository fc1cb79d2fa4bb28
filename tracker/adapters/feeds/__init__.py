"""Feed adapter: HTTP fetching (httpx) and parsing (feedparser, trafilatura) in worker processes."""
