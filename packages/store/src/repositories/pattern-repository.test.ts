import { describe, it, expect } from 'vitest';
import { DEFAULT_THRESHOLDS, NotFoundError, type PatternInput } from '@undertow/core';
import { createTestSchema } from '../../../../test/support/postgres.js';
import { describeOnDrivers } from '../../test/drivers.js';
import { minhashOf } from '../../test/fixtures.js';
import { PatternRepository, type NewPassage } from './pattern-repository.js';

const server = await createTestSchema();

const documentInput: PatternInput = {
  kind: 'document',
  name: 'UK–US trade talks',
  text: 'First paragraph of the leak.\n\nSecond paragraph of the leak.',
  urls: ['https://example.org/leak.pdf'],
  tags: ['T0023'],
};

function passagesOf(count: number, seed = 1): NewPassage[] {
  return Array.from({ length: count }, (_, i) => ({
    index: i,
    text: `passage ${i}`,
    start: i * 10,
    end: i * 10 + 9,
    textHash: `ph-${seed}-${i}`,
    minhash: minhashOf(seed * 1000 + i, 128),
  }));
}

describeOnDrivers('PatternRepository', server, (db) => {
  const patterns = () => new PatternRepository(db());

  describe('create', () => {
    it('starts a document at version 1, indexing, active, with default thresholds', async () => {
      const pattern = await patterns().create(documentInput);
      expect(pattern).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        kind: 'document',
        name: 'UK–US trade talks',
        description: null,
        version: 1,
        status: 'indexing',
        active: true,
        text: documentInput.text,
        examples: [],
        urls: ['https://example.org/leak.pdf'],
        thresholds: DEFAULT_THRESHOLDS,
        tags: ['T0023'],
        params: {},
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await patterns().get(pattern.id)).toEqual(pattern);
      expect(await patterns().versions(pattern.id)).toEqual([
        { patternId: pattern.id, version: 1, body: expect.objectContaining({ name: 'UK–US trade talks', active: true }), createdAt: expect.any(String) },
      ]);
    });

    it('starts a behaviour pattern ready, since it has no passages to build', async () => {
      const pattern = await patterns().create({
        kind: 'behaviour',
        name: 'coordinated burst',
        params: { minAccounts: 5, windowMinutes: 120, strict: true },
        thresholds: { review: 0.4, priority: 0.9 },
      });
      expect(pattern).toMatchObject({ status: 'ready', params: { minAccounts: 5, windowMinutes: 120, strict: true } });
      expect(pattern.thresholds).toEqual({ review: 0.4, priority: 0.9 });
    });
  });

  describe('update', () => {
    it('bumps the version, keeps unnamed fields, sends content back to indexing and records the version', async () => {
      const created = await patterns().create({ kind: 'narrative', name: 'claim', examples: ['one example'] });
      await patterns().setStatus(created.id, 1, 'ready');

      const updated = await patterns().update(created.id, { examples: ['one example', 'another'], thresholds: { review: 0.6, priority: 0.9 } });
      expect(updated).toMatchObject({
        id: created.id,
        version: 2,
        status: 'indexing',
        name: 'claim',
        examples: ['one example', 'another'],
        thresholds: { review: 0.6, priority: 0.9 },
      });
      const versions = await patterns().versions(created.id);
      expect(versions.map((v) => [v.version, v.body.examples, v.body.thresholds])).toEqual([
        [1, ['one example'], DEFAULT_THRESHOLDS],
        [2, ['one example', 'another'], { review: 0.6, priority: 0.9 }],
      ]);
    });

    it('refuses an unknown or removed pattern', async () => {
      await expect(patterns().update('00000000-0000-0000-0000-000000000000', { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
      const pattern = await patterns().create(documentInput);
      await patterns().remove(pattern.id);
      await expect(patterns().update(pattern.id, { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  it('sets a status only on the current version, so a stale indexer cannot mark a newer one ready', async () => {
    const pattern = await patterns().create(documentInput);
    await patterns().update(pattern.id, { text: 'new text' });
    expect(await patterns().setStatus(pattern.id, 1, 'ready')).toBe(false);
    expect((await patterns().get(pattern.id))!.status).toBe('indexing');
    expect(await patterns().setStatus(pattern.id, 2, 'ready')).toBe(true);
    expect((await patterns().get(pattern.id))!.status).toBe('ready');
  });

  it('soft-deletes: a removed pattern leaves get and list but keeps its versions', async () => {
    const pattern = await patterns().create({ ...documentInput, name: 'to remove' });
    await patterns().remove(pattern.id);
    expect(await patterns().get(pattern.id)).toBeNull();
    expect((await patterns().list()).map((p) => p.id)).not.toContain(pattern.id);
    expect(await patterns().versions(pattern.id)).toHaveLength(1);
    await expect(patterns().remove(pattern.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists by kind, active flag and status', async () => {
    const doc = await patterns().create({ ...documentInput, name: 'listed doc' });
    const inactive = await patterns().create({ kind: 'narrative', name: 'listed inactive', examples: ['x'], active: false });
    const behaviour = await patterns().create({ kind: 'behaviour', name: 'listed behaviour' });
    const ids = (list: { id: string }[]) => list.map((p) => p.id);

    expect(ids(await patterns().list({ kind: 'document' }))).toContain(doc.id);
    expect(ids(await patterns().list({ kind: 'document' }))).not.toContain(behaviour.id);
    expect(ids(await patterns().list({ active: false }))).toEqual(expect.arrayContaining([inactive.id]));
    expect(ids(await patterns().list({ active: false }))).not.toContain(doc.id);
    expect(ids(await patterns().list({ status: 'ready' }))).toContain(behaviour.id);
    expect(ids(await patterns().list({ status: 'ready' }))).not.toContain(doc.id);
  });

  describe('passages', () => {
    it('round-trips passages with their MinHash signatures bit for bit', async () => {
      const pattern = await patterns().create(documentInput);
      const written = passagesOf(40, 7);
      expect(await patterns().replacePassages(pattern.id, 1, written)).toBe(true);
      const read = await patterns().passages(pattern.id);
      expect(read).toHaveLength(40);
      read.forEach((passage, i) => {
        expect(passage).toEqual({
          id: expect.stringMatching(/^\d+$/),
          patternId: pattern.id,
          patternVersion: 1,
          index: i,
          text: written[i]!.text,
          start: written[i]!.start,
          end: written[i]!.end,
          textHash: written[i]!.textHash,
          minhash: written[i]!.minhash,
        });
        expect(Buffer.from(passage.minhash.buffer)).toEqual(Buffer.from(written[i]!.minhash.buffer));
      });
    });

    it('replaces rather than appends, and refuses a version that is no longer current', async () => {
      const pattern = await patterns().create(documentInput);
      await patterns().replacePassages(pattern.id, 1, passagesOf(5, 1));
      await patterns().replacePassages(pattern.id, 1, passagesOf(3, 2));
      expect((await patterns().passages(pattern.id)).map((p) => p.textHash)).toEqual(['ph-2-0', 'ph-2-1', 'ph-2-2']);

      await patterns().update(pattern.id, { text: 'edited' });
      expect(await patterns().replacePassages(pattern.id, 1, passagesOf(9, 3))).toBe(false);
      expect(await patterns().passages(pattern.id)).toEqual([]);
      expect(await patterns().replacePassages(pattern.id, 2, passagesOf(2, 4))).toBe(true);
      expect((await patterns().passages(pattern.id)).map((p) => [p.patternVersion, p.textHash])).toEqual([
        [2, 'ph-4-0'],
        [2, 'ph-4-1'],
      ]);
    });

    it('indexes only active, ready, not removed patterns at their current version', async () => {
      const ready = await patterns().create({ ...documentInput, name: 'idx ready' });
      await patterns().replacePassages(ready.id, 1, passagesOf(2, 10));
      await patterns().setStatus(ready.id, 1, 'ready');

      const stillIndexing = await patterns().create({ ...documentInput, name: 'idx indexing' });
      await patterns().replacePassages(stillIndexing.id, 1, passagesOf(2, 11));

      const inactive = await patterns().create({ ...documentInput, name: 'idx inactive', active: false });
      await patterns().replacePassages(inactive.id, 1, passagesOf(2, 12));
      await patterns().setStatus(inactive.id, 1, 'ready');

      const removed = await patterns().create({ ...documentInput, name: 'idx removed' });
      await patterns().replacePassages(removed.id, 1, passagesOf(2, 13));
      await patterns().setStatus(removed.id, 1, 'ready');
      await patterns().remove(removed.id);

      const behaviour = await patterns().create({ kind: 'behaviour', name: 'idx behaviour' });

      const index = await patterns().listIndexablePassages();
      const patternIds = index.patterns.map((p) => p.id);
      expect(patternIds).toEqual(expect.arrayContaining([ready.id, behaviour.id]));
      expect(patternIds).not.toContain(stillIndexing.id);
      expect(patternIds).not.toContain(inactive.id);
      expect(patternIds).not.toContain(removed.id);
      expect(index.patterns.find((p) => p.id === ready.id)).toMatchObject({ thresholds: DEFAULT_THRESHOLDS, urls: documentInput.urls });

      const ofReady = index.passages.filter((p) => p.patternId === ready.id);
      expect(ofReady.map((p) => [p.index, p.patternVersion, p.textHash])).toEqual([
        [0, 1, 'ph-10-0'],
        [1, 1, 'ph-10-1'],
      ]);
      expect(ofReady[1]!.minhash).toEqual(minhashOf(10 * 1000 + 1, 128));
      expect(index.passages.every((p) => patternIds.includes(p.patternId))).toBe(true);
    });
  });
});
