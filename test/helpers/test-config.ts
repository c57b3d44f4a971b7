import { randomBytes } from 'node:crypto';

/** A complete, valid environment for tests; override what a test is about. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    APP_URL: 'http://127.0.0.1:5000',
    SESSION_SECRET: 'test-session-secret-that-is-long-enough-123',
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SPACES_ENDPOINT: 'http://127.0.0.1:9',
    SPACES_REGION: 'us-east-1',
    SPACES_BUCKET: 'test-bucket',
    SPACES_KEY: 'S3RVER',
    SPACES_SECRET: 'S3RVER',
    SHOPIFY_API_KEY: 'test-shopify-key',
    SHOPIFY_API_SECRET: 'test-shopify-secret-0123456789',
    FACEBOOK_APP_ID: '1234567890',
    FACEBOOK_APP_SECRET: 'test-facebook-secret-0123456789',
    FACEBOOK_VERIFY_TOKEN: 'test-verify-token',
    ...overrides,
  };
}
