"""Benchmarks read from their Hugging Face Hub copies: the `[data.hub]` spec (spec), finding and
downloading a copy (fetch), its parquet rows as examples (rows) and embedded images (images), and
the data source (source). What `pgeval data` does with them is pgeval.run.data."""
