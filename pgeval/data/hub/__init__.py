"""Benchmarks read from their Hugging Face Hub copies: the `[data.hub]` spec (spec), finding and
downloading a copy (fetch), its parquet rows as examples (rows) and embedded images (images), the
data source (source), and what `pgeval data` does (manage)."""
