"""Benchmarks of the engine against Hugging Face transformers: random models of a chosen shape
(`engine`), synthetic splits shaped like real ones (`workloads`) and the workload bench (`workload`)."""
