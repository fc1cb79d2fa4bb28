"""Per-language front ends of the extraction: which language an item is in, and the text
handling and act reading of each language that is not English (English stays in the modules
of :mod:`tracker.core` it has always lived in)."""
