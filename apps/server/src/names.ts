import { randomInt } from 'node:crypto';

const ADJECTIVES = ['amber', 'brisk', 'calm', 'dusty', 'eager', 'fuzzy', 'gentle', 'hidden', 'icy', 'jolly', 'lively', 'mellow', 'nimble', 'polar', 'quiet', 'rapid', 'shiny', 'tidy', 'vast', 'witty'];
const NOUNS = ['anchor', 'badger', 'canyon', 'delta', 'ember', 'falcon', 'glacier', 'harbor', 'island', 'jungle', 'lagoon', 'meadow', 'nebula', 'orchard', 'prairie', 'river', 'summit', 'tundra', 'valley', 'willow'];

/** Heroku-style generated app name, e.g. `brisk-falcon-4821` (always matches the app name rule). */
export function randomAppName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000, 10000)}`;
}
