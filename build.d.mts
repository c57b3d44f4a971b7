/** How every function is bundled: one minified CommonJS file for Node 22. */
export declare const BUNDLE_OPTIONS: Readonly<{
  bundle: true;
  platform: 'node';
  target: 'node22';
  format: 'cjs';
  minify: true;
  legalComments: 'none';
  logLevel: 'silent';
}>;

/**
 * What the function bundles add to BUNDLE_OPTIONS for short cold starts (ESM entry points first, no default AWS
 * credential chain).
 */
export declare const FUNCTION_BUILD_OPTIONS: Readonly<{ mainFields: string[]; plugins: import('esbuild').Plugin[] }>;

/** Error for a project that cannot be built (undeclared or missing function sources, invalid project.yml, compile errors). */
export declare class BuildError extends Error {}

/** One bundled function. */
export interface BuiltFunction {
  pkg: string;
  name: string;
  web: boolean | 'raw';
  timeout: number;
  /** Absolute path of the CommonJS bundle `packages/<pkg>/<fn>/index.js`. */
  bundle: string;
  bytes: number;
  /**
   * The inputs contributing most bytes to the bundle (npm packages summed, others by path relative to the project),
   * largest first.
   */
  largestInputs: Array<{ input: string; bytes: number }>;
}

/** Result of {@link buildProject}. */
export interface BuildResult {
  projectDir: string;
  functions: BuiltFunction[];
  unresolvedVariables: string[];
  warnings: string[];
}

/** Builds every declared function of `projectDir` (default: the repository root) into `packages/<pkg>/<fn>/index.js`. */
export declare function buildProject(options?: { projectDir?: string; quiet?: boolean }): Promise<BuildResult>;
