import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGraphClient } from '../../../lib/facebook/graph-client';
import { PAGE_FIELDS, buildPageData, fetchPage } from '../../../lib/facebook/page-data';
import { PageDataSchema } from '../../../lib/facebook/schemas';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A Graph stand-in that refuses one field as nonexisting and records the `fields` of each request. */
async function graphRefusing(field: string, page: Record<string, unknown>) {
  const asked: string[][] = [];
  server = createServer((req, res) => {
    const fields = new URL(req.url!, 'http://x').searchParams.get('fields')!.split(',');
    asked.push(fields);
    const refused = fields.includes(field);
    res.writeHead(refused ? 400 : 200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        refused
          ? {
              error: {
                message: `(#100) Tried accessing nonexisting field (${field}) on node type (Page)`,
                type: 'OAuthException',
                code: 100,
              },
            }
          : page,
      ),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { asked, graph: createGraphClient({ graphOrigin: origin, version: 'v25.0', appSecret: 's' }) };
}

describe('fetchPage', () => {
  it('drops a field Graph says does not exist, retries, and reports it as missing rather than failing', async () => {
    // Prepare
    const { graph, asked } = await graphRefusing('followers_count', {
      id: '42',
      name: 'Shop',
      category: 'Retail',
      fan_count: 7,
      access_token: 'EAAshouldnotbekept',
    });

    // Act
    const fetched = await fetchPage(graph, '42', 'EAAtoken', Date.now() + 5000);

    // Assess
    expect(asked).toHaveLength(2);
    expect(asked[1]).not.toContain('followers_count');
    expect(fetched.page).toEqual({ id: '42', name: 'Shop', category: 'Retail', fan_count: 7 });
    expect(fetched.missingFields).toEqual(PAGE_FIELDS.filter((f) => !['name', 'category', 'fan_count'].includes(f)));
  });

  it('drops a value of an unexpected shape and records it as missing', async () => {
    const { graph } = await graphRefusing('none', {
      id: '42',
      name: 'Shop',
      fan_count: 'lots',
      hours: { mon_1_open: '09:00' },
    });
    const fetched = await fetchPage(graph, '42', 'EAAtoken', Date.now() + 5000);
    expect(fetched.page).toEqual({ id: '42', name: 'Shop', hours: { mon_1_open: '09:00' } });
    expect(fetched.missingFields).toContain('fan_count');
  });
});

describe('buildPageData', () => {
  it("produces the seed's {data:[page]} shape with metadata that PageDataSchema accepts", () => {
    const doc = buildPageData(
      { page: { id: '42', name: 'Shop' }, missingFields: ['about'] },
      { graphVersion: 'v25.0', now: Date.UTC(2026, 10, 26), source: 'webhook' },
    );
    expect(doc).toEqual({
      data: [{ id: '42', name: 'Shop' }],
      meta: {
        pageId: '42',
        syncedAt: '2026-11-26T00:00:00.000Z',
        graphVersion: 'v25.0',
        missingFields: ['about'],
        source: 'webhook',
      },
    });
    expect(PageDataSchema.safeParse({ ...doc, data: [] }).success).toBe(false);
  });
});
