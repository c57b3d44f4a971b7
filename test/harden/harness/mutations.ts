import fc from 'fast-check';

/** A position as a fraction of the length, so one plan applies to inputs of any size. */
const at = fc.integer({ min: 0, max: 999_999 }).map((n) => n / 1_000_000);
const index = (fraction: number, length: number) => Math.min(length - 1, Math.floor(fraction * length));

/** A byte-level change to a body. */
export type ByteMutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number }
  | { op: 'truncate'; keep: number }
  | { op: 'append'; bytes: number[] }
  | { op: 'swap'; a: number; b: number }
  | { op: 'reencode' }
  | { op: 'empty' };

/** Byte mutations, including a same-meaning JSON re-serialisation (the bytes differ, so the HMAC must fail). */
export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at }),
  fc.record({ op: fc.constant('truncate' as const), keep: at }),
  fc.record({
    op: fc.constant('append' as const),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({ op: fc.constant('swap' as const), a: at, b: at }),
  fc.constant({ op: 'reencode' as const }),
  fc.constant({ op: 'empty' as const }),
);

/** Applies one byte mutation. */
export function mutateBytes(input: Buffer, m: ByteMutation): Buffer {
  const bytes = Buffer.from(input);
  if (bytes.length === 0 && m.op !== 'append' && m.op !== 'insert') return bytes;
  switch (m.op) {
    case 'flip': {
      const i = index(m.at, bytes.length);
      bytes[i] = bytes[i]! ^ (1 << m.bit);
      return bytes;
    }
    case 'insert': {
      const i = bytes.length === 0 ? 0 : index(m.at, bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, i), Buffer.from([m.byte]), bytes.subarray(i)]);
    }
    case 'delete': {
      const i = index(m.at, bytes.length);
      return Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
    }
    case 'truncate':
      return bytes.subarray(0, index(m.keep, bytes.length));
    case 'append':
      return Buffer.concat([bytes, Buffer.from(m.bytes)]);
    case 'swap': {
      const i = index(m.a, bytes.length);
      const j = index(m.b, bytes.length);
      [bytes[i], bytes[j]] = [bytes[j]!, bytes[i]!];
      return bytes;
    }
    case 'reencode':
      try {
        return Buffer.from(JSON.stringify(JSON.parse(bytes.toString('utf8'))));
      } catch {
        return bytes;
      }
    case 'empty':
      return Buffer.alloc(0);
  }
}

/** A change to a signature or parameter string. */
export type TextMutation =
  | { op: 'flip'; at: number; char: string }
  | { op: 'truncate'; keep: number }
  | { op: 'append'; text: string }
  | { op: 'upper' }
  | { op: 'lower' }
  | { op: 'pad' }
  | { op: 'empty' }
  | { op: 'replace'; text: string };

/** Text mutations; `upper`, `lower` and `pad` may keep the meaning (hex case, surrounding spaces), which the oracles know. */
export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('flip' as const),
      at,
      char: fc.constantFrom('0', '1', 'a', 'f', 'A', 'Z', '+', '/', '=', '-', '_', '.', '%', ' '),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), keep: at }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('append' as const),
      text: fc.constantFrom('0', '=', '==', 'a', '%00', ',x', '&x=1'),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'upper' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'lower' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'pad' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'empty' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('replace' as const), text: fc.stringMatching(/^[A-Za-z0-9+/=_.-]{0,90}$/) }),
  },
);

/** Applies one text mutation. */
export function mutateText(input: string, m: TextMutation): string {
  switch (m.op) {
    case 'flip': {
      if (input.length === 0) return m.char;
      const i = index(m.at, input.length);
      const next = input[i] === m.char ? (m.char === '0' ? '1' : '0') : m.char;
      return `${input.slice(0, i)}${next}${input.slice(i + 1)}`;
    }
    case 'truncate':
      return input.slice(0, index(m.keep, input.length));
    case 'append':
      return `${input}${m.text}`;
    case 'upper':
      return input.toUpperCase();
    case 'lower':
      return input.toLowerCase();
    case 'pad':
      return ` ${input} `;
    case 'empty':
      return '';
    case 'replace':
      return m.text;
  }
}
