"""Generated learners: names, time zones, and a temperament each (how diligent, how good at
recalling, when they started and stopped)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

ZONES = ("Europe/Paris", "Europe/London", "America/New_York", "Asia/Kolkata", "UTC")
FIRST = ("Ada", "Alan", "Barbara", "Claude", "Donald", "Edsger", "Frances", "Grace", "Hedy",
         "Ivan", "Joan", "Ken", "Linus", "Margaret", "Niklaus", "Radia", "Sophie", "Tim",
         "Tony", "Ursula", "Vint", "Whitfield", "Xiao", "Yukihiro", "Zhores", "Katherine",
         "Dennis", "Guido", "Anita", "Brian")  # fmt: skip
LAST = ("Lovelace", "Turing", "Liskov", "Shannon", "Knuth", "Dijkstra", "Allen", "Hopper",
        "Lamarr", "Sutherland", "Clarke", "Thompson", "Torvalds", "Hamilton", "Wirth",
        "Perlman", "Wilson", "Berners-Lee", "Hoare", "Franklin", "Cerf", "Diffie", "Chen",
        "Matsumoto", "Alferov", "Johnson", "Ritchie", "van Rossum", "Borg",
        "Kernighan")  # fmt: skip


@dataclass
class Temperament:
    diligence: float  # 0..1: how soon after a card is due it gets reviewed
    skill: float  # 0..1: how likely a recall succeeds
    started: datetime
    stopped: datetime  # last moment of study (before now for learners who drifted away)


def temperament_draw(rng: random.Random, now: datetime, days: int) -> Temperament:
    started = now - timedelta(days=days * rng.uniform(0.75, 1.0), hours=rng.uniform(0, 12))
    drifted = rng.random() < 0.15
    stopped = now - timedelta(days=rng.uniform(3, min(14, days / 2))) if drifted else now
    return Temperament(
        diligence=rng.uniform(0.25, 1.0),
        skill=rng.betavariate(6, 2),
        started=started,
        stopped=max(stopped, started + timedelta(days=1)),
    )


def names(rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        yield f"{rng.choice(FIRST)} {rng.choice(LAST)}"
