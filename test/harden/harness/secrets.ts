import { createTokenBox } from '../../../lib/crypto/token-box';
import { createTokenVault } from '../../../lib/vault/token-vault';
import type { Harness } from './context';
import { listObjects, readObject } from './objects';

/** A secret value and where it came from (never printed: reports show the name only). */
export interface Secret {
  name: string;
  value: string;
}

/** A place a secret was found. */
export interface SecretFinding {
  secret: string;
  encoding: string;
  where: string;
}

const CONFIG_SECRETS = [
  'SHOPIFY_API_SECRET',
  'SHOPIFY_API_SECRET_PREVIOUS',
  'FACEBOOK_APP_SECRET',
  'FACEBOOK_VERIFY_TOKEN',
  'SESSION_SECRET',
  'TOKEN_ENCRYPTION_KEY',
] as const;

function tokenStrings(value: unknown, path: string, out: Secret[]): void {
  if (!value || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && /token/i.test(key) && v.length >= 8) out.push({ name: `${path}.${key}`, value: v });
    else if (typeof v === 'object') tokenStrings(v, `${path}.${key}`, out);
  }
}

/**
 * Every secret of the run: the configured app secrets, session secret, encryption key and the
 * secret half of FN_API_KEY, plus every token the emulators issued, read back from the vault
 * (each `private/tokens/**` blob opened with the stack's TOKEN_ENCRYPTION_KEY).
 */
export async function collectSecrets(h: Harness): Promise<Secret[]> {
  const env = h.stack.env;
  const out: Secret[] = [];
  for (const name of CONFIG_SECRETS) if (env[name] && env[name]!.length >= 8) out.push({ name, value: env[name]! });
  const apiSecret = env.FN_API_KEY?.split(':')[1];
  if (apiSecret) out.push({ name: 'FN_API_KEY (secret part)', value: apiSecret });
  const vault = createTokenVault(h.stack.store, createTokenBox(env.TOKEN_ENCRYPTION_KEY!));
  for (const key of (await listObjects(h.s3, h.bucket, 'private/tokens/')).keys()) {
    const entry = await vault.get<unknown>(key);
    tokenStrings(entry?.value, key, out);
  }
  return out;
}

/** The spellings a secret could leak in: as is, URL-encoded, base64 and base64url. */
export function encodings(value: string): Array<[string, string]> {
  const all: Array<[string, string]> = [
    ['raw', value],
    ['url-encoded', encodeURIComponent(value)],
    ['base64', Buffer.from(value).toString('base64')],
    ['base64url', Buffer.from(value).toString('base64url')],
  ];
  return all.filter(([, spelled], i) => all.findIndex(([, other]) => other === spelled) === i);
}

/** Searches named texts for every secret in every spelling. */
export function scanTexts(secrets: readonly Secret[], texts: Iterable<[where: string, text: string]>): SecretFinding[] {
  const needles = secrets.flatMap((s) =>
    encodings(s.value).map(([encoding, value]) => ({ secret: s.name, encoding, value })),
  );
  const found: SecretFinding[] = [];
  for (const [where, text] of texts) {
    for (const n of needles) if (text.includes(n.value)) found.push({ secret: n.secret, encoding: n.encoding, where });
  }
  return found;
}

/**
 * Everything an outsider or the bot could see: every recorded response (status line, headers and
 * body), every log line of the host and functions, every activation result, and every object
 * under `users/`.
 */
export async function* observableTexts(h: Harness): AsyncGenerator<[string, string]> {
  for (const [i, { request, observed }] of h.exchanges.entries()) {
    yield [
      `response #${i} to ${request.method} ${request.path.split('?')[0]}`,
      `${JSON.stringify(observed.headers)}\n${observed.body.toString('utf8')}`,
    ];
  }
  for (const [i, line] of h.stack.logs.entries()) yield [`log line ${i}`, line];
  for (const record of h.stack.host.activations.list()) {
    yield [
      `activation ${record.name} ${record.activationId}`,
      JSON.stringify({ result: record.response?.result, logs: record.logs }),
    ];
  }
  for (const key of (await listObjects(h.s3, h.bucket, 'users/')).keys()) {
    yield [`object ${key}`, (await readObject(h.s3, h.bucket, key))?.toString('utf8') ?? ''];
  }
}

/** Collects the run's secrets and scans everything observable for them. */
export async function scanForSecrets(
  h: Harness,
): Promise<{ secrets: number; texts: number; findings: SecretFinding[] }> {
  const secrets = await collectSecrets(h);
  const texts: Array<[string, string]> = [];
  for await (const t of observableTexts(h)) texts.push(t);
  return { secrets: secrets.length, texts: texts.length, findings: scanTexts(secrets, texts) };
}
