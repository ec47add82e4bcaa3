// Kept in step with package.json by the build (esbuild define); the fallback serves tsx runs.
declare const __HEADWATER_VERSION__: string | undefined;
export const ENGINE_VERSION: string = typeof __HEADWATER_VERSION__ === 'string' ? __HEADWATER_VERSION__ : '0.0.0-dev';
