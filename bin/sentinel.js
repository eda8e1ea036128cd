#!/usr/bin/env node
// The `sentinel` executable. It lives outside dist/ so that npm can mark it
// executable when it links bins, before `prepare` has compiled dist/.
try {
  await import('../dist/main/cli/sentinel.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main/cli/sentinel.js')) {
    process.stderr.write('sentinel: not built yet: run `npm ci` (or `npm run build`) in the Sentinel folder\n');
    process.exit(70);
  }
  throw err;
}
