import type { PostInput } from '@undertow/core';
import { memoParagraphs } from './leaked-memo.js';

/** A small deterministic PRNG, so the demo and tests produce the same stream every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILLERS = ['honestly', 'apparently', 'wow', 'look', 'so', 'basically', 'folks'];

/**
 * A repost of part of a passage, edited the way amplifiers edit: a sentence or two quoted,
 * a few words dropped or changed, a comment added before and after.
 */
export function editedQuote(passage: string, random: () => number): string {
  const sentences = passage.split(/(?<=\.)\s+/);
  const start = Math.floor(random() * Math.max(1, sentences.length - 1));
  const words = sentences.slice(start, start + 2).join(' ').split(/\s+/);
  const edited: string[] = [];
  for (const word of words) {
    const roll = random();
    if (roll < 0.06) continue; // dropped
    if (roll < 0.1) edited.push(FILLERS[Math.floor(random() * FILLERS.length)]!);
    else edited.push(word);
  }
  const lead = ['LEAKED:', 'Read this.', 'They tried to bury this:', 'Share before it is deleted -', 'Harwick memo says'][Math.floor(random() * 5)]!;
  return `${lead} "${edited.join(' ')}" #harwick`;
}

const TOPICS = [
  ['the new bakery on', 'opened this morning and the queue went around', 'corner'],
  ['our school football team', 'won the regional cup after a penalty shoot-out against', 'league leaders'],
  ['this weekend the farmers market', 'had the best strawberries I have tasted since', 'last summer'],
  ['the train to the city', 'was delayed again by forty minutes because of signal problems near', 'junction'],
  ['finally finished the novel', 'and the ending completely surprised me after all those chapters about', 'lighthouse keeper'],
  ['the library is running', 'free coding workshops for teenagers every Saturday until the end of', 'term'],
  ['new recipe for lentil soup', 'with smoked paprika and lemon turned out better than expected for', 'dinner'],
  ['the marathon route', 'will close the river road on Sunday morning so plan around', 'traffic'],
  ['our cat learned', 'to open the kitchen door and now steals bread from', 'counter'],
  ['concert tickets', 'sold out in ten minutes and the resale prices are already', 'ridiculous'],
  ['the hospital car park', 'is being resurfaced next week so visitors should use', 'side entrance'],
  ['garden update', 'the tomatoes are finally ripening after weeks of cold nights and', 'rain'],
];
const PLACES = ['Elm Street', 'the harbour road', 'Market Square', 'the old mill', 'Station Lane', 'the high street'];
const CLOSERS = ['Anyone else?', 'Cannot wait.', 'Typical.', 'Loving it.', 'What a week.', 'Thoughts?', ''];

/** Everyday posts that share no material with the memo. */
export function unrelatedText(random: () => number): string {
  const [a, b, c] = TOPICS[Math.floor(random() * TOPICS.length)]!;
  const place = PLACES[Math.floor(random() * PLACES.length)]!;
  const closer = CLOSERS[Math.floor(random() * CLOSERS.length)]!;
  const n = Math.floor(random() * 1000);
  return `${a} ${place} ${b} the ${c} ${closer} (${n})`.trim();
}

export interface DemoStream {
  posts: PostInput[];
  /** externalIds of the posts that carry memo material, with the paragraph each quotes. */
  carriers: Map<string, number>;
}

/**
 * `total` posts in time order of which `carrying` quote edited copies of memo paragraphs.
 * Carriers are spread through the stream and posted by young accounts into several communities.
 */
export function demoStream(options: { total: number; carrying: number; seed?: number; source?: string; start?: Date }): DemoStream {
  const random = seededRandom(options.seed ?? 7);
  const paragraphs = memoParagraphs();
  const source = options.source ?? 'demo';
  const start = options.start?.getTime() ?? Date.parse('2026-10-21T09:00:00Z');
  const carrierSlots = new Set<number>();
  const stride = Math.floor(options.total / options.carrying);
  for (let i = 0; i < options.carrying; i++) carrierSlots.add(i * stride + Math.floor(stride / 2));
  const posts: PostInput[] = [];
  const carriers = new Map<string, number>();
  let carrierIndex = 0;
  for (let i = 0; i < options.total; i++) {
    const externalId = `${source}-${String(i).padStart(5, '0')}`;
    const createdAt = new Date(start + i * 60_000).toISOString();
    if (carrierSlots.has(i)) {
      const paragraph = carrierIndex++ % paragraphs.length;
      carriers.set(externalId, paragraph);
      posts.push({
        source,
        externalId,
        author: { id: `burner-${carrierIndex}`, handle: `truth_teller_${carrierIndex}`, createdAt: new Date(start - 3 * 86_400_000).toISOString(), followers: 3 },
        community: ['r/ukpolitics', 'r/shipping', 'r/harwick', 'r/news'][carrierIndex % 4]!,
        text: editedQuote(paragraphs[paragraph]!, random),
        createdAt,
      });
    } else {
      posts.push({
        source,
        externalId,
        author: { id: `user-${i % 97}`, handle: `local_${i % 97}`, createdAt: '2015-03-01T00:00:00Z', followers: 200 + (i % 97) },
        community: ['r/harwick', 'r/food', 'r/running', 'r/books'][i % 4]!,
        text: unrelatedText(random),
        createdAt,
      });
    }
  }
  return { posts, carriers };
}
