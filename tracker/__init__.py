"""tracker: ceasefire-violation tracker and alerting service."""

__version__ = "0.1.0"
