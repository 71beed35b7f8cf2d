//! World simulation for the dungeon crawler.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    pub weight: f32,
}

pub trait Entity {
    fn id(&self) -> u32;
    fn hp(&self) -> i32;

    fn is_alive(&self) -> bool { // expect: lane2
        self.hp() > 0
    }

    fn threat(&self) -> i32 { // expect: lane2
        if self.is_alive() {
            self.hp() / 10 + 1
        } else {
            0
        }
    }
}

#[derive(Debug, Clone)]
pub struct Monster {
    pub id: u32,
    pub hp: i32,
    pub pos: (i32, i32),
    pub loot: Vec<Item>,
}

impl Entity for Monster {
    fn id(&self) -> u32 { // expect: lane2
        self.id
    }

    fn hp(&self) -> i32 { // expect: lane2
        self.hp
    }
}

#[derive(Debug, Default)]
pub struct Inventory {
    items: Vec<Item>,
    capacity: f32,
}

impl Inventory {
    pub fn add(&mut self, item: Item) -> Result<(), Item> { // expect: lane2
        if self.total_weight() + item.weight > self.capacity {
            return Err(item);
        }
        self.items.push(item);
        Ok(())
    }

    pub fn drop_item(&mut self, name: &str) -> Option<Item> { // expect: lane2
        let idx = self.items.iter().position(|i| i.name == name)?;
        Some(self.items.remove(idx))
    }

    pub fn total_weight(&self) -> f32 { // expect: lane2
        self.items.iter().map(|i| i.weight).sum()
    }
}

#[derive(Default)]
pub struct World {
    next_id: u32,
    monsters: HashMap<u32, Monster>,
    ground: HashMap<(i32, i32), Vec<Item>>,
    pub depth: u32,
}

impl World {
    pub fn spawn<R: Rng>(&mut self, rng: &mut R, hp: i32) -> u32 { // expect: lane2
        self.next_id += 1;
        let pos = (rng.gen_range(0..64), rng.gen_range(0..64));
        self.monsters.insert(self.next_id, Monster { id: self.next_id, hp, pos, loot: Vec::new() });
        self.next_id
    }

    pub fn delete_entity(&mut self, id: u32) -> Option<Monster> { // expect: lane2
        let monster = self.monsters.remove(&id)?;
        self.ground.entry(monster.pos).or_default().extend(monster.loot.iter().cloned());
        Some(monster)
    }

    pub fn despawn_dead(&mut self) -> usize { // expect: lane2
        let dead: Vec<u32> = self.monsters.values().filter(|m| !m.is_alive()).map(|m| m.id).collect();
        for id in &dead {
            self.delete_entity(*id);
        }
        dead.len()
    }

    pub fn descend(&mut self) -> DepthGuard<'_> { // expect: lane2
        self.depth += 1;
        DepthGuard { depth: &mut self.depth }
    }
}

/// Restores the dungeon depth when a sub-level simulation goes out of scope.
pub struct DepthGuard<'a> {
    depth: &'a mut u32,
}

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) { // expect: lane2
        *self.depth -= 1;
    }
}

pub fn roll_damage<R: Rng>(rng: &mut R, base: i32, spread: i32) -> i32 { // expect: lane2
    let crit = rng.gen_bool(0.08);
    let dmg = base + rng.gen_range(-spread..=spread);
    if crit {
        dmg * 2
    } else {
        dmg.max(1)
    }
}

pub fn shuffle_deck<R: Rng>(rng: &mut R, deck: &mut Vec<u8>) { // expect: lane2
    deck.shuffle(rng);
}

pub fn render_hud(hp: i32, max_hp: i32, gold: u32, depth: u32) -> String { // expect: lane1
    let filled = (hp.max(0) * 10 / max_hp.max(1)) as usize;
    format!(
        "HP [{}{}] {hp}/{max_hp}   Gold {gold}   Depth {depth}",
        "#".repeat(filled),
        "-".repeat(10 - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn dropping_unknown_item_is_none() { // expect: lane1
        let mut inv = Inventory { items: vec![], capacity: 10.0 };
        inv.add(Item { name: "torch".into(), weight: 1.0 }).unwrap();
        assert!(inv.drop_item("sword").is_none());
        assert_eq!(inv.drop_item("torch").map(|i| i.name), Some("torch".to_string()));
    }

    #[test]
    fn despawn_leaves_loot_on_ground() { // expect: lane1
        let mut rng = StdRng::seed_from_u64(1);
        let mut world = World::default();
        let id = world.spawn(&mut rng, 0);
        world.monsters.get_mut(&id).unwrap().loot.push(Item { name: "gem".into(), weight: 0.1 });
        assert_eq!(world.despawn_dead(), 1);
        assert_eq!(world.ground.values().flatten().count(), 1);
    }

    #[test]
    fn depth_guard_restores() { // expect: lane1
        let mut world = World::default();
        {
            let _g = world.descend();
        }
        assert_eq!(world.depth, 0);
    }
}
