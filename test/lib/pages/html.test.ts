import { describe, expect, it } from 'vitest';
import { escapeHtml, html, safeHref } from '../../../lib/pages/html';
import { last30Days, statusPage } from '../../../lib/pages/status-page';

describe('page markup', () => {
  it('escapes every interpolated value, nested or in arrays, and keeps its own markup', () => {
    const evil = `<script>alert(1)</script>"'&`;
    const out = html`<p title="${evil}">${evil}${[evil, html`<b>${evil}</b>`]}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
    expect(out).toContain('<b>&lt;script&gt;');
    expect(escapeHtml(undefined)).toBe('');
    expect(safeHref('javascript:alert(1)')).toBe('#');
    expect(safeHref('http://localhost:5000/facebook/login')).toBe('http://localhost:5000/facebook/login');
  });

  it('fills 30 days ending today and shows no token-shaped text it was not given', async () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    const recorded = [
      { date: '2026-12-01', productsSynced: 5, webhookUpdates: 2 },
      { date: '2026-10-01', productsSynced: 9, webhookUpdates: 9 },
    ];
    const days = last30Days(recorded, now);
    expect(days).toHaveLength(30);
    expect(days[0]!.date).toBe('2026-11-05');
    expect(days.at(-1)!.date).toBe('2026-12-04');
    expect(days.find((d) => d.date === '2026-12-01')).toEqual(recorded[0]);
    const res = statusPage({
      appUrl: 'http://localhost:5000',
      now,
      body: {
        user_uuid: 'u',
        reauth_required: true,
        updated_at: '2026-12-04T11:00:00Z',
        shops: [
          {
            shop: 'a.myshopify.com',
            state: 'reauth_required',
            lastSyncAt: '2026-12-04T11:00:00Z',
            lastResult: 'reauth_required',
            fix: 'x',
          },
        ],
        pages: [],
        daily: days,
        storage: { conditional_writes: 'ignored' },
      },
    });
    const text = await res.text();
    expect(text).toContain('href="http://localhost:5000/shopify/login?shop=a.myshopify.com"');
    expect(text).toContain('1 connection needs');
    expect(text).toMatch(/Products synced: 5 in the last 30 days/);
    expect(text).toContain('Spaces ignores conditional writes here (degraded mode)');
  });
});
