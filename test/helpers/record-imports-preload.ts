/**
 * Loaded (`--import`) into a gateway process that a test starts with `recordImportsTo`
 * (`gateway-process.ts`): every module URL the process resolves through the module loader is
 * appended to the file `RECORD_IMPORTS_FILE` names, one per line, so that a test can tell which
 * packages a configuration loads.
 */
import { register } from 'node:module';

const file = process.env.RECORD_IMPORTS_FILE;
if (file === undefined) throw new Error('RECORD_IMPORTS_FILE names the file to record imports in');

// Loader hooks run on a thread of their own: the file is written from there, synchronously.
const hooks = `import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  fs.appendFileSync(${JSON.stringify(file)}, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
