// The shared corpus lives beside the project (../shared/corpus); a user's
// clone may not have it. Tests that need it skip with a printed reason.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'corpus');
export const HAVE_CORPUS = fs.existsSync(CORPUS);

if (!HAVE_CORPUS) {
  console.warn(`SKIPPING external-vector tests: the shared corpus is not at ${CORPUS} (it is in CI and on development machines).`);
}

export function readCorpusJson<T>(relative: string): T {
  return JSON.parse(fs.readFileSync(path.join(CORPUS, relative), 'utf8')) as T;
}
