import { ConfigError } from '../errors';

/**
 * Stands in for `@aws-sdk/credential-provider-node` inside the function bundles (build.mjs resolves that package here).
 * Spaces credentials always come from SPACES_KEY/SPACES_SECRET (`createS3Client`), so the SDK's default chain (env,
 * ~/.aws files, SSO, STS web identity, container and instance metadata, with their nested STS/SSO clients) is never
 * asked, yet it would be parsed on every cold start. If a client without credentials is ever built, it fails loudly.
 */
export function defaultProvider(): () => Promise<never> {
  return async () => {
    throw new ConfigError([
      'SPACES_KEY and SPACES_SECRET must be passed to the S3 client (the default AWS credential chain is not bundled)',
    ]);
  };
}
