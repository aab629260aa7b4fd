"""Synthetic hospital contact-centre interactions with planted frictions, and their truth file (DESIGN §9)."""

from evals.generator.generation import generate
from evals.generator.simulation import Adoption
from evals.generator.truth import PlantedAdoption, PlantedFriction, Truth, TruthTheme

__all__ = ["Adoption", "PlantedAdoption", "PlantedFriction", "Truth", "TruthTheme", "generate"]
