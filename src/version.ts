import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// package.json sits at the repository root, one level above both src/ and dist/.
const pkg = require('../package.json') as { version: string };

/** The gateway's semantic version (LC-VER), exposed by `/health`. */
export const VERSION: string = pkg.version;
