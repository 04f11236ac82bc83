// Built-in demo data: a seeded random source and small lists of realistic names, cities and purchases.

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

/** mulberry32: small, fast and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (probability) => next() < probability,
  };
}

export const firstNames = [
  'Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Edsger', 'Radia', 'Donald',
  'Aarav', 'Priya', 'Vivaan', 'Ananya', 'Ishaan', 'Diya', 'Rohan', 'Meera', 'Kabir', 'Saanvi', 'Arjun', 'Kavya',
  'Olivia', 'Liam', 'Emma', 'Noah', 'Sofia', 'Lucas', 'Mia', 'Mateo', 'Chloe', 'Leo', 'Zoe', 'Omar', 'Yuki', 'Chen',
] as const;

export const lastNames = [
  'Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen', 'Dijkstra',
  'Perlman', 'Knuth', 'Sharma', 'Patel', 'Iyer', 'Reddy', 'Nair', 'Gupta', 'Mehta', 'Rao', 'Kapoor', 'Singh',
  'Garcia', 'Smith', 'Johnson', 'Brown', 'Martin', 'Rossi', 'Müller', 'Dubois', 'Okafor', 'Tanaka', 'Kim', 'Silva',
] as const;

/** Where customers are: the currency they mostly pay in follows. */
export const cities = [
  { city: 'New York', country: 'US' },
  { city: 'San Francisco', country: 'US' },
  { city: 'Austin', country: 'US' },
  { city: 'Chicago', country: 'US' },
  { city: 'Mumbai', country: 'IN' },
  { city: 'Bengaluru', country: 'IN' },
  { city: 'Delhi', country: 'IN' },
  { city: 'Chennai', country: 'IN' },
  { city: 'London', country: 'GB' },
  { city: 'Berlin', country: 'DE' },
] as const;

export const products = [
  'Flat white', 'Cold brew', 'Espresso beans 1 kg', 'Pour-over kit', 'Chai latte', 'Croissant box', 'Gift card top-up',
  'Monthly bean subscription', 'Barista workshop', 'Ceramic mug', 'Filter papers', 'Masala chai tin',
] as const;

export const signupSources = ['web', 'ios', 'android', 'in_store', 'referral'] as const;
