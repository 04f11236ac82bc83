// Built-in demo data: a seeded random source and small lists of realistic names, cities and purchases.

export { type Random, seededRandom } from '../shared/random.ts';

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
