"""Scoring predictions: a split's examples (`examples`), predictions files and their alignment
(`predictions`), metrics per slice (`score`) and evaluation-server submission files (`submissions`)."""
