/** Plain names for synthetic staff, schools and GP practices. */
import type { Rng } from './prng.ts';

const FIRST = [
  'Aisha', 'Alice', 'Amelia', 'Amir', 'Andrew', 'Anna', 'Ben', 'Bethany', 'Catherine', 'Charlotte', 'Chloe', 'Claire',
  'Daniel', 'David', 'Deborah', 'Eleanor', 'Emma', 'Fatima', 'Fiona', 'Gemma', 'George', 'Grace', 'Hannah', 'Harriet',
  'Helen', 'Imran', 'Isabel', 'Jack', 'James', 'Jane', 'Jasmine', 'Jessica', 'Joanne', 'John', 'Joseph', 'Julie',
  'Karen', 'Kate', 'Katherine', 'Laura', 'Lucy', 'Mark', 'Mary', 'Matthew', 'Megan', 'Michael', 'Mohammed', 'Naomi',
  'Nicola', 'Oliver', 'Olivia', 'Patricia', 'Paul', 'Priya', 'Rachel', 'Rebecca', 'Richard', 'Ruth', 'Sadia', 'Sally',
  'Samuel', 'Sarah', 'Simon', 'Sophie', 'Stephen', 'Susan', 'Thomas', 'Tom', 'Victoria', 'William', 'Yasmin', 'Zoe',
];

const FAMILY = [
  'Ahmed', 'Allen', 'Bailey', 'Baker', 'Begum', 'Bell', 'Bennett', 'Brown', 'Campbell', 'Carter', 'Chapman', 'Clark',
  'Clarke', 'Cooper', 'Cox', 'Davies', 'Davis', 'Edwards', 'Evans', 'Fisher', 'Green', 'Griffiths', 'Hall', 'Harris',
  'Harrison', 'Hill', 'Holmes', 'Hughes', 'Hussain', 'Jackson', 'James', 'Johnson', 'Jones', 'Kaur', 'Khan', 'King',
  'Lee', 'Lewis', 'Martin', 'Mason', 'Mitchell', 'Moore', 'Morgan', 'Morris', 'Murphy', 'Patel', 'Phillips', 'Price',
  'Roberts', 'Robinson', 'Rogers', 'Scott', 'Shaw', 'Singh', 'Smith', 'Taylor', 'Thomas', 'Thompson', 'Turner', 'Walker',
  'Ward', 'Watson', 'White', 'Williams', 'Wilson', 'Wood', 'Wright', 'Young',
];

const SCHOOL_WORDS = [
  'Park', 'Church', 'Meadow', 'Hill', 'Brook', 'Orchard', "St John's", "St Mary's", 'Windmill', 'Grange', 'Castle',
  'Willow', 'Oak', 'Springfield', 'Manor', 'Riverside', 'Holy Trinity', "St Joseph's Catholic", 'Abbey', 'Fairfield',
];
const SECONDARY_SUFFIX = ['Academy', 'School', 'College', 'Community School', 'Church of England Academy'];
const PRACTICE_STYLE = ['Surgery', 'Medical Centre', 'Health Centre', 'Medical Practice', 'Family Practice'];

export function personName(rng: Rng): string {
  return `${rng.pick(FIRST)} ${rng.pick(FAMILY)}`;
}

export function primarySchoolName(rng: Rng, town: string): string {
  return `${town} ${rng.pick(SCHOOL_WORDS)} Primary School`;
}

export function secondarySchoolName(rng: Rng, town: string): string {
  return `${town} ${rng.pick(SECONDARY_SUFFIX)}`;
}

export function practiceName(rng: Rng, town: string): string {
  return rng.chance(0.5) ? `${rng.pick(SCHOOL_WORDS)} ${rng.pick(PRACTICE_STYLE)}, ${town}` : `${town} ${rng.pick(PRACTICE_STYLE)}`;
}

/** The town a numbered unit is named after, with a number once the towns run out: "Banbury", …, "Banbury 2". */
export function townFor(towns: readonly string[], index: number): string {
  const round = Math.floor(index / towns.length);
  const town = towns[index % towns.length];
  return round === 0 ? town : `${town} ${round + 1}`;
}
