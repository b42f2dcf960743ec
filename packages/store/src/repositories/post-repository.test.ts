import { describe, it, expect } from 'vitest';
import { createTestSchema } from '../../../../test/support/postgres.js';
import { describeOnDrivers } from '../../test/drivers.js';
import { minhashOf, newPost, uniqueSource } from '../../test/fixtures.js';
import { PostRepository } from './post-repository.js';

const server = await createTestSchema();

describeOnDrivers('PostRepository', server, (db) => {
  const posts = () => new PostRepository(db());

  describe('insertMany', () => {
    it('stores each post once: a second submission returns the same ids, marked not inserted', async () => {
      const source = uniqueSource();
      const batch = [newPost(source, 'a'), newPost(source, 'b'), newPost(source, 'c')];
      const first = await posts().insertMany(batch);
      expect(first.map((r) => [r.externalId, r.inserted])).toEqual([
        ['a', true],
        ['b', true],
        ['c', true],
      ]);

      const again = await posts().insertMany([newPost(source, 'c'), newPost(source, 'd'), newPost(source, 'a')]);
      expect(again).toEqual([
        { id: first[2]!.id, source, externalId: 'c', inserted: false },
        { id: expect.any(String), source, externalId: 'd', inserted: true },
        { id: first[0]!.id, source, externalId: 'a', inserted: false },
      ]);
    });

    it('answers a post repeated within one batch for each occurrence, inserted only the first time', async () => {
      const source = uniqueSource();
      const result = await posts().insertMany([newPost(source, 'x'), newPost(source, 'x', { text: 'other' })]);
      expect(result.map((r) => r.inserted)).toEqual([true, false]);
      expect(result[0]!.id).toBe(result[1]!.id);
      expect((await posts().getByRef(source, 'x'))!.text).toBe('text of x');
    });

    it('keeps the first stored version of a post when it is submitted again with changes', async () => {
      const source = uniqueSource();
      await posts().insertMany([newPost(source, 'p', { text: 'original' })]);
      await posts().insertMany([newPost(source, 'p', { text: 'edited' })]);
      expect((await posts().getByRef(source, 'p'))!.text).toBe('original');
    });

    it('writes a batch of 1000 in one call', async () => {
      const source = uniqueSource();
      const batch = Array.from({ length: 1000 }, (_, i) => newPost(source, `bulk-${i}`, { minhash: minhashOf(i + 1) }));
      const result = await posts().insertMany(batch);
      expect(result.filter((r) => r.inserted)).toHaveLength(1000);
      expect(new Set(result.map((r) => r.id)).size).toBe(1000);
      const stored = await posts().getManyByIds(result.map((r) => r.id));
      expect(stored).toHaveLength(1000);
      expect(stored[999]!.minhash).toEqual(minhashOf(1000));
    });

    it('gives writers racing on the same posts the same ids, each post inserted by exactly one', async () => {
      const source = uniqueSource();
      const batches = [0, 1, 2, 3].map((w) =>
        Array.from({ length: 200 }, (_, i) => newPost(source, `race-${(i * (w + 1)) % 200}`)),
      );
      const results = (await Promise.all(batches.map((batch) => posts().insertMany(batch)))).flat();
      const idsByPost = new Map<string, Set<string>>();
      const insertions = new Map<string, number>();
      for (const r of results) {
        idsByPost.set(r.externalId, (idsByPost.get(r.externalId) ?? new Set()).add(r.id));
        insertions.set(r.externalId, (insertions.get(r.externalId) ?? 0) + (r.inserted ? 1 : 0));
      }
      expect([...idsByPost.values()].every((ids) => ids.size === 1)).toBe(true);
      expect([...insertions.values()].every((n) => n === 1)).toBe(true);
      expect(idsByPost.size).toBe(200);
    });

    it('answers an empty batch without a query', async () => {
      expect(await posts().insertMany([])).toEqual([]);
    });
  });

  it('round-trips every field, binary signatures bit for bit', async () => {
    const source = uniqueSource();
    const minhash = Uint32Array.from([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 123456789]);
    const [inserted] = await posts().insertMany([
      newPost(source, 'full', {
        author: { id: 'u1', handle: 'someone' },
        community: 'r/ukpolitics',
        title: 'Leaked: "trade talks", part 1',
        text: 'Quote with \\ backslash, "quotes", {braces}, commas, and ünïcödé',
        urls: ['https://example.org/a?b=1,2', 'https://example.org/{x}'],
        urlKeys: ['example.org/a', 'example.org/{x}'],
        lang: 'en',
        createdAt: '2019-10-21T14:03:00.123Z',
        repostOf: { source, externalId: 'orig' },
        textHash: 'h-full',
        minhash,
      }),
    ]);
    const post = await posts().getById(inserted!.id);
    expect(post).toEqual({
      id: inserted!.id,
      source,
      externalId: 'full',
      authorId: 'u1',
      community: 'r/ukpolitics',
      title: 'Leaked: "trade talks", part 1',
      text: 'Quote with \\ backslash, "quotes", {braces}, commas, and ünïcödé',
      urls: ['https://example.org/a?b=1,2', 'https://example.org/{x}'],
      urlKeys: ['example.org/a', 'example.org/{x}'],
      lang: 'en',
      createdAt: '2019-10-21T14:03:00.123Z',
      repostOf: { source, externalId: 'orig' },
      textHash: 'h-full',
      minhash,
      receivedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
    });
    expect(post!.minhash).toBeInstanceOf(Uint32Array);
    expect(await posts().getByRef(source, 'full')).toEqual(post);
  });

  it('stores absent optional fields as null and empty lists', async () => {
    const source = uniqueSource();
    await posts().insertMany([newPost(source, 'bare', { minhash: null })]);
    const post = await posts().getByRef(source, 'bare');
    expect(post).toMatchObject({
      community: null,
      title: null,
      lang: null,
      urls: [],
      urlKeys: [],
      repostOf: null,
      minhash: null,
    });
  });

  it('answers null or nothing for unknown and malformed ids', async () => {
    expect(await posts().getById('999999999')).toBeNull();
    expect(await posts().getById('not-an-id')).toBeNull();
    expect(await posts().getByRef(uniqueSource(), 'nope')).toBeNull();
    expect(await posts().getManyByIds(['abc', '999999999'])).toEqual([]);
  });

  it('pages through a createdAt range by id, with no post missed or repeated', async () => {
    const source = uniqueSource();
    const days = ['2001-01-01', '2001-01-02', '2001-01-03', '2001-01-04', '2001-01-05'];
    const result = await posts().insertMany(
      days.flatMap((day, d) => [0, 1].map((n) => newPost(source, `r-${d}-${n}`, { createdAt: `${day}T12:00:00Z` }))),
    );
    const inRange = result.filter((r) => /^r-[123]-/.test(r.externalId)).map((r) => r.id);

    const seen: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await posts().listIdsByTimeRange({ from: '2001-01-02T00:00:00Z', to: '2001-01-05T00:00:00Z', afterId, limit: 4 });
      if (page.length === 0) break;
      seen.push(...page);
      afterId = page.at(-1);
    }
    expect(seen).toEqual([...inRange].sort((a, b) => Number(a) - Number(b)));

    const records = await posts().listByTimeRange({ from: '2001-01-02T00:00:00Z', to: '2001-01-05T00:00:00Z', limit: 100 });
    expect(records.map((p) => p.id)).toEqual(seen);
  });
});
