"""Data tooling outside the risk model's domain: the synthetic population (``synth``), the data contracts and
validation (``contracts``), the identifier guard and pseudonymisation (``privacy``), and reading partner files (``tables``)."""
