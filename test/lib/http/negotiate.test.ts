import { describe, expect, it } from 'vitest';
import { prefersHtml } from '../../../lib/http/negotiate';

const req = (accept?: string, query = '') =>
  new Request(`https://fn.invalid/account/status${query}`, accept === undefined ? {} : { headers: { accept } });

describe('prefersHtml', () => {
  it('answers HTML to what browsers send', () => {
    const chrome = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
    expect(prefersHtml(req(chrome))).toBe(true);
    expect(prefersHtml(req('text/html'))).toBe(true);
    expect(prefersHtml(req('application/json;q=0.5, text/html'))).toBe(true);
  });

  it('keeps JSON for JSON, */*, no Accept, ties and ?format=json', () => {
    expect(prefersHtml(req())).toBe(false);
    expect(prefersHtml(req('*/*'))).toBe(false);
    expect(prefersHtml(req('application/json'))).toBe(false);
    expect(prefersHtml(req('application/json, text/html'))).toBe(false);
    expect(prefersHtml(req('text/html;q=0.5, application/*'))).toBe(false);
    expect(prefersHtml(req('text/html;q=0, */*'))).toBe(false);
    expect(prefersHtml(req('text/html', '?format=json'))).toBe(false);
    expect(prefersHtml(req('text/html;q=abc'))).toBe(false);
  });
});
