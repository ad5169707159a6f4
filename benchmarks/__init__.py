"""Benchmarks and reference scripts run beside the test suite (a regular package, so that it is
found before the `benchmarks` package that pysbd installs into site-packages)."""
