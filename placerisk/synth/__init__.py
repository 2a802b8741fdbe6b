"""Synthetic population and partner extracts with a known generating process."""

from placerisk.synth.catalogue import CATALOGUE, EventSpec
from placerisk.synth.chunk import SynthSettings
from placerisk.synth.dirty import inject_faults
from placerisk.synth.generate import default_oracle_dates, generate

__all__ = ["CATALOGUE", "EventSpec", "SynthSettings", "default_oracle_dates", "generate", "inject_faults"]
