import { describe, expect, it } from 'vitest';
import { appPath, loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { testEnv } from '../helpers/test-config';

describe('loadConfig', () => {
  it('says what a valid value looks like (zod/mini has no default messages)', () => {
    const env = testEnv({
      LOG_LEVEL: 'loud',
      POLL_BATCH_SIZE: '0',
      SHOPIFY_CALLBACK_SYNC_BUDGET_MS: 'soon',
      FN_API_HOST: 'not a url',
    });
    expect(() => loadConfig(env, ['core', 'shopify', 'functions', 'poll'])).toThrow(
      new ConfigError([
        'LOG_LEVEL is invalid: must be debug, info, warn or error',
        'SHOPIFY_CALLBACK_SYNC_BUDGET_MS is invalid: must be a whole number from 1000 to 25000',
        'FN_API_HOST is invalid: must be a URL',
        'POLL_BATCH_SIZE is invalid: must be a whole number from 1 to 500',
      ]),
    );
    const ok = loadConfig(testEnv({ POLL_BATCH_SIZE: ' 30 ', LOG_LEVEL: '<LOG_LEVEL>' }), ['core', 'poll']);
    expect([ok.POLL_BATCH_SIZE, ok.LOG_LEVEL, ok.POLL_MAX_PER_MINUTE]).toEqual([30, 'info', 400]);
  });

  it('applies defaults and normalises URLs', () => {
    const config = loadConfig(testEnv({ APP_URL: 'https://x.example/api/v1/web/fn-1/' }), [
      'core',
      'shopify',
      'facebook',
    ]);
    expect(config.APP_URL).toBe('https://x.example/api/v1/web/fn-1');
    expect(config.SHOPIFY_API_VERSION).toBe('2026-07');
    expect(config.SHOPIFY_ADMIN_ORIGIN).toBe('https://{shop}');
    expect(config.FACEBOOK_GRAPH_VERSION).toBe('v25.0');
    expect(config.SHOPIFY_SCOPES).toContain('read_products');
  });

  it('names every missing or invalid key in one error without echoing secrets', () => {
    const env = testEnv({
      APP_URL: undefined,
      SPACES_BUCKET: undefined,
      SESSION_SECRET: 'short-secret-value',
      SHOPIFY_API_VERSION: '2026-13',
    });
    let error: unknown;
    try {
      loadConfig(env, ['core', 'spaces', 'shopify']);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('APP_URL is missing');
    expect(message).toContain('SPACES_BUCKET is missing');
    expect(message).toContain('SESSION_SECRET is invalid');
    expect(message).toContain('SHOPIFY_API_VERSION is invalid');
    expect(message).not.toContain('short-secret-value');
  });

  it("treats the deployer's unresolved <VAR> placeholder as unset", () => {
    expect(() => loadConfig(testEnv({ SHOPIFY_API_KEY: '<SHOPIFY_API_KEY>' }), ['shopify'])).toThrow(
      /SHOPIFY_API_KEY is missing/,
    );
    const config = loadConfig(testEnv({ FN_API_KEY: '<FN_API_KEY>' }), ['functions']);
    expect(config.FN_API_KEY).toBeUndefined();
  });

  it('rejects a TOKEN_ENCRYPTION_KEY that is not 32 bytes of base64', () => {
    expect(() => loadConfig(testEnv({ TOKEN_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }), ['core'])).toThrow(
      /TOKEN_ENCRYPTION_KEY is invalid/,
    );
  });

  it('derives the cookie path from APP_URL', () => {
    expect(appPath('https://faas.doserverless.co/api/v1/web/fn-abc')).toBe('/api/v1/web/fn-abc');
    expect(appPath('http://localhost:5000')).toBe('/');
  });
});

describe('loadConfig defaults behind placeholders', () => {
  it('uses defaults when the deployer left <VAR> placeholders', () => {
    const config = loadConfig(
      testEnv({
        SHOPIFY_SCOPES: '<SHOPIFY_SCOPES>',
        SHOPIFY_API_VERSION: '<SHOPIFY_API_VERSION>',
        SHOPIFY_ADMIN_ORIGIN: '<SHOPIFY_ADMIN_ORIGIN>',
        SPACES_REGION: '<SPACES_REGION>',
        LOG_LEVEL: '<LOG_LEVEL>',
      }),
      ['core', 'spaces', 'shopify'],
    );
    expect(config.SHOPIFY_API_VERSION).toBe('2026-07');
    expect(config.SHOPIFY_ADMIN_ORIGIN).toBe('https://{shop}');
    expect(config.SPACES_REGION).toBe('nyc3');
    expect(config.LOG_LEVEL).toBe('info');
  });
});
