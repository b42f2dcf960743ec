import { expect, it } from 'vitest';
import { createTestSchema } from '../../../../test/support/postgres.js';
import { describeOnDrivers } from '../../test/drivers.js';
import { newPost, uniqueSource } from '../../test/fixtures.js';
import type { ScriptRunner } from '../database.js';
import { storyPostFacts } from '../migrations/0005-story-post-facts.js';
import { createStore } from '../store.js';
import { activityKey } from './story-repository.js';

const server = await createTestSchema();

describeOnDrivers('StoryRepository', server, (db) => {
  /** Three posts by three accounts in two communities, an hour apart; the story starts at the first. */
  async function storyOfThree() {
    const source = uniqueSource();
    const store = createStore(db());
    const times = ['2019-10-21T10:00:00.000Z', '2019-10-21T11:00:00.000Z', '2019-10-21T12:00:00.000Z'];
    await store.authors.upsertMany(times.map((_, i) => ({ source, id: `author-${i}`, createdAt: i === 2 ? '2019-10-20T00:00:00.000Z' : undefined })));
    const posts = await store.posts.insertMany(
      times.map((createdAt, i) => newPost(source, `p${i}`, { createdAt, author: { id: `author-${i}` }, community: i === 0 ? 'r/first' : 'r/other' })),
    );
    const storyId = posts[0]!.id;
    await store.stories.attach(posts.map((p, i) => ({ storyId, postId: p.id, via: i === 0 ? 'origin' : 'text', joinedAt: times[i]! })));
    return { source, store, storyId, posts };
  }

  it('reads a window from the copied facts, with the first appearance always in front and alone carrying its external id', async () => {
    const { source, store, storyId, posts } = await storyOfThree();
    const windows = await store.stories.windows([{ storyId, from: '2019-10-21T11:30:00.000Z', to: '2019-10-21T12:00:00.000Z' }]);
    const window = windows.get(storyId)!;
    expect(window.story).toMatchObject({ firstPostId: storyId, postCount: 3, authorCount: 3, communityCount: 2 });
    expect(window.posts).toEqual([
      { postId: posts[0]!.id, source, externalId: 'p0', authorId: 'author-0', authorCreatedAt: null, community: 'r/first', createdAt: '2019-10-21T10:00:00.000Z' },
      { postId: posts[2]!.id, source, externalId: null, authorId: 'author-2', authorCreatedAt: '2019-10-20T00:00:00.000Z', community: 'r/other', createdAt: '2019-10-21T12:00:00.000Z' },
    ]);
    const whole = (await store.stories.windows([{ storyId, from: '2019-10-21T00:00:00.000Z', to: '2019-10-22T00:00:00.000Z' }])).get(storyId)!;
    expect(whole.posts.map((p) => [p.externalId, p.createdAt])).toEqual([
      ['p0', '2019-10-21T10:00:00.000Z'],
      [null, '2019-10-21T11:00:00.000Z'],
      [null, '2019-10-21T12:00:00.000Z'],
    ]);
  });

  it('tells whether an author posted only this story, counting their posts only then', async () => {
    const { source, store, storyId, posts } = await storyOfThree();
    // author-1 also posted something that started a story of its own.
    const [elsewhere] = await store.posts.insertMany([newPost(source, 'other', { author: { id: 'author-1' }, createdAt: '2019-10-22T00:00:00.000Z' })]);
    await store.stories.attach([{ storyId: elsewhere!.id, postId: elsewhere!.id, via: 'origin', joinedAt: '2019-10-22T00:00:00.000Z' }]);
    // author-2 has a second post in the story.
    const [again] = await store.posts.insertMany([newPost(source, 'again', { author: { id: 'author-2' }, createdAt: '2019-10-21T13:00:00.000Z' })]);
    await store.stories.attach([{ storyId, postId: again!.id, via: 'text', joinedAt: '2019-10-21T13:00:00.000Z' }]);
    const activity = await store.stories.authorActivity(['author-0', 'author-1', 'author-2'].map((authorId) => ({ source, authorId, storyId })));
    expect([...activity.values()].length).toBe(3);
    expect(activity.get(activityKey(source, 'author-0', storyId))).toEqual({ onlyThisStory: true, posts: 1 });
    expect(activity.get(activityKey(source, 'author-1', storyId))).toEqual({ onlyThisStory: false, posts: 0 });
    expect(activity.get(activityKey(source, 'author-2', storyId))).toEqual({ onlyThisStory: true, posts: 2 });
    expect(posts).toHaveLength(3);
  });

  it('migration 0005 copies the facts of posts that joined stories before it', async () => {
    const { storyId } = await storyOfThree();
    // Both drivers run scripts in a transaction, as the migration runner does.
    await (db() as unknown as ScriptRunner).transaction(async (tx) => {
      // The table as 0004 left it, holding this story's members; then the migration.
      await tx.exec(`ALTER TABLE story_posts DROP COLUMN source, DROP COLUMN author_id, DROP COLUMN community, DROP COLUMN author_created_at`);
      await tx.exec(storyPostFacts.sql);
    });
    const rows = await db().query<{ author_id: string; community: string; author_created_at: Date | string | null }>(
      `SELECT author_id, community, author_created_at FROM story_posts WHERE story_id = $1 ORDER BY joined_at`,
      [storyId],
    );
    expect(rows.map((r) => [r.author_id, r.community, r.author_created_at === null ? null : new Date(r.author_created_at).toISOString()])).toEqual([
      ['author-0', 'r/first', null],
      ['author-1', 'r/other', null],
      ['author-2', 'r/other', '2019-10-20T00:00:00.000Z'],
    ]);
  });
});
