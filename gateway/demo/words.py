"""Invented words for the demo's titles, names and bodies: Faker pools drawn once per seed
(Faker is slow per call), then picked from with each chunk's own random.Random."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from faker import Faker


@dataclass(frozen=True)
class Pools:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    sentences: tuple[str, ...]
    words: tuple[str, ...]
    companies: tuple[str, ...]
    cities: tuple[str, ...]

    def name(self, rng: random.Random) -> str:
        return f"{rng.choice(self.first_names)} {rng.choice(self.last_names)}"

    def paragraph(self, rng: random.Random, sentences: int = 3) -> str:
        return " ".join(rng.choice(self.sentences) for _ in range(sentences))

    def title(self, rng: random.Random, words: int = 3) -> str:
        return " ".join(rng.choice(self.words) for _ in range(words)).capitalize()


@lru_cache(maxsize=4)
def pools(seed: int) -> Pools:
    fake = Faker("en_US")
    fake.seed_instance(seed)

    def distinct(draw, n: int) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
        return tuple(sorted({draw() for _ in range(n)}))

    return Pools(
        first_names=distinct(fake.first_name, 400),
        last_names=distinct(fake.last_name, 400),
        sentences=distinct(fake.sentence, 300),
        words=distinct(fake.word, 400),
        companies=distinct(fake.company, 50),
        cities=distinct(fake.city, 50),
    )
