"""The regression gate: pairing two runs' per-example scores and judging the deltas (`compare`), with
paired bootstrap intervals (`stats`)."""
