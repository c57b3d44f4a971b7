import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreconditionFailedError, UnauthorizedError } from '../../../lib/errors';
import {
  casLoop,
  conditionalWrite,
  CONFLICT,
  createIfAbsent,
  DELETE,
  UNCHANGED,
  updateWithRetry,
  type ObjectStore,
  type WriteCondition,
} from '../../../lib/storage/store';
import { startTestSpaces, type TestSpaces } from '../../dev/spaces/helpers';

// Below Spaces' 10 concurrent PUTs per object, so the strict profile never answers SlowDown here.
const WRITERS = 8;

/** Appends `id` to the list at `key` with updateWithRetry, recording the condition of every write. */
function appendWriter(store: ObjectStore, key: string, conditions: WriteCondition[]) {
  return (id: number) =>
    updateWithRetry<{ ids: number[] }>(
      store,
      key,
      (current) => {
        const next = current?.value ?? { ids: [] };
        next.ids.push(id);
        return next;
      },
      {
        // Every lost race means another writer's write landed after this one's read, and each writer lands once:
        // so WRITERS attempts always suffice.
        attempts: WRITERS,
        conflict: `writer ${id} lost every race`,
        codec: {
          read: () => store.getJson(key),
          write: (value, condition) => {
            conditions.push(condition);
            return store.putJson(key, value, condition);
          },
        },
      },
    );
}

/** A local Spaces for the enclosing suite, in the given conditional-write mode, and the app's store on it. */
function useSpaces(conditionalWrites: 'honour' | 'ignore') {
  let t: TestSpaces | undefined;
  let store: ObjectStore | undefined;
  beforeAll(async () => {
    t = await startTestSpaces({ conditionalWrites });
    store = t.appStore();
  });
  afterAll(async () => t?.cleanup());
  return { store: () => store! };
}

describe('storage idioms against a local Spaces that honours conditional writes', () => {
  const spaces = useSpaces('honour');
  let store: ObjectStore;
  beforeAll(() => {
    store = spaces.store();
  });

  it('createIfAbsent creates once, then reports the object was there', async () => {
    // Act
    const first = await createIfAbsent(store, 'idioms/once.json', { n: 1 });
    const second = await createIfAbsent(store, 'idioms/once.json', { n: 2 });
    // Assess
    expect([first, second]).toEqual([true, false]);
    expect((await store.getJson('idioms/once.json'))?.value).toEqual({ n: 1 });
  });

  it('createIfAbsent lets exactly one of concurrent creators win', async () => {
    const created = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => createIfAbsent(store, 'idioms/race.json', { i })),
    );
    expect(created.filter(Boolean)).toHaveLength(1);
  });

  it('updateWithRetry under concurrent writers loses no change', async () => {
    // Prepare
    const conditions: WriteCondition[] = [];
    const write = appendWriter(store, 'idioms/counter.json', conditions);
    // Act
    await Promise.all(Array.from({ length: WRITERS }, (_, i) => write(i)));
    // Assess
    const stored = (await store.getJson<{ ids: number[] }>('idioms/counter.json'))?.value;
    expect(stored?.ids.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: WRITERS }, (_, i) => i));
    // Every write was conditional: the first creators with If-None-Match, the rest on the ETag they read.
    expect(conditions.every((c) => c.ifMatch !== undefined || c.ifNoneMatch === '*')).toBe(true);
  });

  it("throws PreconditionFailedError with the caller's message once the attempts are used up", async () => {
    // Prepare: every attempt's write loses to a meddler that rewrites the object after the read.
    const key = 'idioms/contended.json';
    await store.putJson(key, { n: 0 });
    let calls = 0;
    const change = async (current: { value: { n: number } } | null) => {
      calls++;
      await store.putJson(key, { n: -calls });
      return { n: (current?.value.n ?? 0) + 1 };
    };
    // Act / Assess
    const failing = updateWithRetry(store, key, change, { attempts: 3, conflict: 'kept changing; try again' });
    await expect(failing).rejects.toThrow(PreconditionFailedError);
    await expect(failing).rejects.toThrow('kept changing; try again');
    expect(calls).toBe(3);
    expect((await store.getJson(key))?.value).toEqual({ n: -3 });
    // A caller may throw its own error instead.
    const own = updateWithRetry(store, key, change, { attempts: 2, conflict: () => new UnauthorizedError('mine') });
    await expect(own).rejects.toThrow(UnauthorizedError);
  });

  it('leaves the object alone on UNCHANGED and deletes it on DELETE', async () => {
    const key = 'idioms/lifecycle.json';
    expect(await updateWithRetry(store, key, () => UNCHANGED, { attempts: 1, conflict: 'x' })).toBeNull();
    expect(await store.exists(key)).toBe(false);
    expect(await updateWithRetry(store, key, () => ({ v: 1 }), { attempts: 1, conflict: 'x' })).toEqual({ v: 1 });
    expect(await updateWithRetry(store, key, () => UNCHANGED, { attempts: 1, conflict: 'x' })).toEqual({ v: 1 });
    expect(await updateWithRetry(store, key, () => DELETE, { attempts: 1, conflict: 'x' })).toBeNull();
    expect(await store.exists(key)).toBe(false);
  });
});

describe('storage idioms against a local Spaces that ignores conditional writes (degraded mode)', () => {
  const spaces = useSpaces('ignore');
  let store: ObjectStore;
  beforeAll(() => {
    store = spaces.store();
  });

  it('updateWithRetry writes unconditionally, once per change', async () => {
    // Prepare
    expect(await store.supportsConditionalWrites()).toBe(false);
    const conditions: WriteCondition[] = [];
    const write = appendWriter(store, 'degraded/list.json', conditions);
    // Act: one writer after another (concurrent ones would be last-writer-wins here).
    for (let i = 0; i < 3; i++) await write(i);
    // Assess
    expect((await store.getJson('degraded/list.json'))?.value).toEqual({ ids: [0, 1, 2] });
    expect(conditions).toEqual([{}, {}, {}]);
  });

  it('createIfAbsent checks existence first with the check-exists fallback', async () => {
    const options = { fallback: 'check-exists' as const };
    expect(await createIfAbsent(store, 'degraded/flag.json', { n: 1 }, options)).toBe(true);
    expect(await createIfAbsent(store, 'degraded/flag.json', { n: 2 }, options)).toBe(false);
    expect((await store.getJson('degraded/flag.json'))?.value).toEqual({ n: 1 });
  });

  it('createIfAbsent overwrites and reports created by default (the store ignores If-None-Match)', async () => {
    expect(await createIfAbsent(store, 'degraded/record.json', { n: 1 })).toBe(true);
    expect(await createIfAbsent(store, 'degraded/record.json', { n: 2 })).toBe(true);
    expect((await store.getJson('degraded/record.json'))?.value).toEqual({ n: 2 });
  });
});

describe('casLoop', () => {
  const conflict = () => new Error('gave up');

  it('retries only its own lost conditional writes, waiting between attempts, until `more` says stop', async () => {
    const waits: number[] = [];
    let calls = 0;
    const lose = () => Promise.reject(new PreconditionFailedError('412'));
    const result = await casLoop(
      async (n) => {
        calls++;
        return n < 2 ? conditionalWrite(lose) : `won at ${n}`;
      },
      { more: (n) => n < 5, backoff: async (n) => void waits.push(n), conflict },
    );
    expect(result).toBe('won at 2');
    expect(calls).toBe(3);
    expect(waits).toEqual([0, 1]);

    // Out of attempts: no wait after the last one, and the caller's error.
    waits.length = 0;
    await expect(
      casLoop(async () => CONFLICT, { more: (n) => n < 3, backoff: async (n) => void waits.push(n), conflict }),
    ).rejects.toThrow('gave up');
    expect(waits).toEqual([0, 1]);
  });

  it('throws any other error as it is, a 412 outside its conditional write included', async () => {
    let calls = 0;
    const nested = new PreconditionFailedError('a nested write lost');
    await expect(
      casLoop(
        async () => {
          calls++;
          throw nested;
        },
        { more: () => true, conflict },
      ),
    ).rejects.toBe(nested);
    expect(calls).toBe(1);
    await expect(conditionalWrite(() => Promise.reject(new UnauthorizedError('no')))).rejects.toThrow('no');
  });
});
