import { describe, expect, it } from 'vitest';
import { KeyLocks } from '../../../lib/dev/spaces/key-lock';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyLocks', () => {
  it('lets readers share a key and makes a writer wait for them', async () => {
    // Prepare
    const locks = new KeyLocks();
    const r1 = await locks.shared('k');
    const r2 = await locks.shared('k');
    let written = false;

    // Act
    const writer = locks.exclusive('k').then((release) => {
      written = true;
      return release;
    });
    await tick();
    const whileReading = written;
    r1();
    r2();
    (await writer)();

    // Assess
    expect(whileReading).toBe(false);
    expect(written).toBe(true);
    expect(locks.size).toBe(0);
  });

  it('queues readers that arrive after a waiting writer behind it', async () => {
    // Prepare
    const locks = new KeyLocks();
    const order: string[] = [];
    const reader = await locks.shared('k');

    // Act
    const writer = locks.exclusive('k').then((release) => {
      order.push('writer');
      release();
    });
    const lateReader = locks.shared('k').then((release) => {
      order.push('late reader');
      release();
    });
    await tick();
    reader();
    await Promise.all([writer, lateReader]);

    // Assess
    expect(order).toEqual(['writer', 'late reader']);
  });

  it('does not block other keys and ignores a double release', async () => {
    // Prepare
    const locks = new KeyLocks();
    const a = await locks.exclusive('a');

    // Act
    const b = await locks.exclusive('b');
    a();
    a();
    b();

    // Assess
    expect(locks.size).toBe(0);
  });
});
