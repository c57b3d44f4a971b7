/** Serialises like Meta's PHP/Hack JSON encoder: non-ASCII as lower-case `\uXXXX` (UTF-16 units) and `/` as `\/`. */
export function metaJsonStringify(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  // Both characters can only occur inside JSON strings, so a textual pass over the output is safe.
  return json
    .replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replaceAll('/', '\\/');
}

/** The exact bytes Meta would send for a JSON value. */
export function metaJsonBytes(value: unknown): Buffer {
  return Buffer.from(metaJsonStringify(value), 'utf8');
}
