// The profile shapes live in src/shared: the extension and the webviews read them too.
export type * from '../../shared/profile.js';
