"""Synthetic population and partner extracts with a known generating process."""

from placerisk.datatools.synth.catalogue import CATALOGUE, EventSpec
from placerisk.datatools.synth.chunk import SynthSettings
from placerisk.datatools.synth.dirty import inject_faults
from placerisk.datatools.synth.generate import default_oracle_dates, generate

__all__ = ["CATALOGUE", "EventSpec", "SynthSettings", "default_oracle_dates", "generate", "inject_faults"]
