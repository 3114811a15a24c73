"""Evidence adapters: one module per format, each producing a format-neutral record."""
