"""Entity world and loot tables for a small roguelike."""
from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field
from itertools import count

_ids = count(1)


@dataclass
class Item:
    name: str
    weight: float
    rarity: str = "common"


@dataclass
class Entity:
    id: int
    kind: str
    x: int
    y: int
    hp: int = 10
    inventory: list[Item] = field(default_factory=list)

    def take_damage(self, amount: int) -> bool:  # expect: lane2
        self.hp = max(0, self.hp - amount)
        return self.hp == 0

    def drop_item(self, name: str) -> Item | None:  # expect: lane2
        for idx, item in enumerate(self.inventory):
            if item.name == name:
                return self.inventory.pop(idx)
        return None

    def carried_weight(self) -> float:  # expect: lane2
        return sum(i.weight for i in self.inventory)


class World:
    def __init__(self, width: int, height: int, seed: int | None = None) -> None:  # expect: lane2
        self.width = width
        self.height = height
        self.rng = random.Random(seed)
        self.entities: dict[int, Entity] = {}
        self.ground: dict[tuple[int, int], list[Item]] = {}

    def spawn(self, kind: str) -> Entity:  # expect: lane2
        x = self.rng.randrange(self.width)
        y = self.rng.randrange(self.height)
        ent = Entity(next(_ids), kind, x, y)
        self.entities[ent.id] = ent
        return ent

    def delete_entity(self, entity_id: int) -> None:  # expect: lane2
        ent = self.entities.pop(entity_id, None)
        if ent is not None:
            self.ground.setdefault((ent.x, ent.y), []).extend(ent.inventory)

    def purge_dead(self) -> int:  # expect: lane2
        dead = [eid for eid, e in self.entities.items() if e.hp == 0]
        for eid in dead:
            self.delete_entity(eid)
        return len(dead)

    def move(self, entity_id: int, dx: int, dy: int) -> None:  # expect: lane2
        ent = self.entities[entity_id]
        ent.x = min(self.width - 1, max(0, ent.x + dx))
        ent.y = min(self.height - 1, max(0, ent.y + dy))

    def neighbours(self, entity_id: int, radius: float) -> list[Entity]:  # expect: lane2
        me = self.entities[entity_id]
        return [
            e
            for e in self.entities.values()
            if e.id != me.id and math.hypot(e.x - me.x, e.y - me.y) <= radius
        ]


LOOT_TABLE = [("copper coin", 60), ("healing herb", 25), ("iron sword", 10), ("dragon scale", 5)]


def roll_loot(rng: random.Random, rolls: int = 1) -> list[str]:  # expect: lane2
    names = [name for name, _ in LOOT_TABLE]
    weights = [w for _, w in LOOT_TABLE]
    return rng.choices(names, weights=weights, k=rolls)


def critical_hit(rng: random.Random, luck: int) -> bool:  # expect: lane2
    return rng.random() < min(0.5, 0.05 + luck * 0.01)


def score_summary(scores: list[int]) -> dict[str, float]:  # expect: lane2
    if not scores:
        return {"mean": 0.0, "stdev": 0.0, "p90": 0.0}
    ordered = sorted(scores)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {
        "mean": statistics.fmean(ordered),
        "stdev": statistics.pstdev(ordered),
        "p90": float(p90),
    }


def bootstrap_mean_ci(samples: list[float], iterations: int = 1000, seed: int = 7) -> tuple[float, float]:  # expect: lane2
    rng = random.Random(seed)
    means = sorted(
        statistics.fmean(rng.choices(samples, k=len(samples))) for _ in range(iterations)
    )
    return means[int(0.025 * iterations)], means[int(0.975 * iterations)]


def render_scoreboard(rows: list[tuple[str, int]]) -> str:  # expect: lane1
    width = max((len(name) for name, _ in rows), default=4)
    lines = [f"{'NAME':<{width}}  SCORE", "-" * (width + 7)]
    for name, score in sorted(rows, key=lambda r: -r[1]):
        lines.append(f"{name:<{width}}  {score:>5}")
    return "\n".join(lines)


def health_bar(hp: int, max_hp: int, width: int = 20) -> str:  # expect: lane1
    filled = round(width * hp / max_hp) if max_hp else 0
    return "[" + "#" * filled + "." * (width - filled) + f"] {hp}/{max_hp}"
