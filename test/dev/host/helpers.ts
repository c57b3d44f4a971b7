import { resolve } from 'node:path';
import { buildProject } from '../../../build.mjs';
import { startHost, type Host, type HostOptions } from '../../../lib/dev/host/start-host';

/** The host fixture project (built bundles are git-ignored). */
export const FIXTURE_DIR = resolve(__dirname, '../../fixtures/host-project');

/** Builds the fixture and starts a host on an ephemeral port, collecting its log lines. */
export async function startFixtureHost(overrides: Partial<HostOptions> = {}): Promise<{ host: Host; lines: string[] }> {
  await buildProject({ projectDir: FIXTURE_DIR, quiet: true });
  const lines: string[] = [];
  const host = await startHost({
    projectDir: FIXTURE_DIR,
    port: 0,
    env: { FIXTURE_VAR: 'fixture-value' },
    log: (l) => lines.push(l),
    ...overrides,
  });
  return { host, lines };
}

/** `Authorization` header for the host's REST API key. */
export function basicAuth(apiKey: string): string {
  return `Basic ${Buffer.from(apiKey).toString('base64')}`;
}

/** Polls until `GET activations/<id>` answers 200, then returns the record. */
export async function pollActivation(host: Host, id: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${host.url}/api/v1/namespaces/${host.namespace}/activations/${id}`, {
      headers: { authorization: basicAuth(host.apiKey) },
    });
    if (res.status === 200) return (await res.json()) as Record<string, unknown>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`activation ${id} did not finish within ${timeoutMs} ms`);
}
