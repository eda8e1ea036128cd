// The house's layers, checked on every import: each folder names the folders
// it may import (its own always). A folder missing from the map is an error,
// so a new folder must take its place here. The map is drawn in
// docs/architecture.md; keep the two together.
import * as path from 'node:path';

// The layers from the bottom up, each a group later layers take whole.
const VOCABULARY = ['main/contract'];
const KEPT = ['main', 'main/contract', 'main/verify', 'main/log', 'main/audit', 'main/config', 'main/policy', 'main/trust'];
const FLOWS = [...KEPT, 'main/decide', 'main/clock', 'main/checkpoint'];
const EVERYTHING_BELOW_APP = [...FLOWS, 'main/decode', 'main/device', 'main/sync', 'main/technician', 'main/kiosk', 'drivers'];

/** Folder → the folders it may import. `main/*.ts` (the data directory, the package root) count as `main`. */
export const LAYERS = {
  // The vocabulary everyone shares: types, schemas, pure checks.
  'main/contract': [],
  // The pure core: codes verified and decided with the time as a parameter.
  'main/verify': VOCABULARY,
  'main/decode': VOCABULARY,
  'main/decide': [...VOCABULARY, 'main/verify'],
  'main/issuer': [...VOCABULARY, 'main/verify'],
  // Device drivers know of main only the device vocabulary (see DRIVERS_MAY_IMPORT).
  drivers: VOCABULARY,
  // The data directory and what is kept in it.
  main: VOCABULARY,
  'main/config': ['main', 'main/contract', 'main/verify'],
  'main/policy': ['main', 'main/contract', 'main/verify'],
  'main/trust': ['main', 'main/contract', 'main/verify'],
  'main/device': ['main', 'main/contract'],
  'main/log': ['main', 'main/contract', 'main/verify'],
  'main/audit': ['main', 'main/contract', 'main/log'],
  // What the kiosk knows of the time, from what it keeps.
  'main/clock': [...KEPT, 'main/decide'],
  // Flows: scan → verify → decide → log; outbox → sync.
  'main/checkpoint': [...KEPT, 'main/decide', 'main/clock'],
  'main/sync': [...KEPT, 'main/device', 'main/clock'],
  // The technician's work on a kiosk, and the kiosk's service to its screen.
  'main/technician': [...FLOWS, 'main/decode', 'main/device', 'main/sync', 'drivers'],
  'main/kiosk': [...FLOWS, 'main/technician', 'drivers'],
  'main/demo': [...KEPT, 'main/issuer', 'main/technician'],
  // The one composition root.
  'main/app': EVERYTHING_BELOW_APP,
  // Shells carry the composed kiosk to a screen.
  'main/shell': ['main', 'main/contract', 'main/app', 'main/kiosk', 'drivers'],
  // The central service (its own program on a server, not the kiosk): the wire's vocabulary and the
  // pure verification (sync JWS, device keys, trust bundles). Only the command line and benchmarks import it.
  central: ['main/contract', 'main/verify'],
  // The command line reaches everything but the screen.
  'main/cli': [...EVERYTHING_BELOW_APP, 'main/issuer', 'main/demo', 'main/app', 'main/shell', 'central'],
  // The screen shows what main decided: the contract only.
  renderer: VOCABULARY,
  // Benchmarks run the kiosk as the shells do, never through the CLI's code.
  bench: [...EVERYTHING_BELOW_APP, 'main/issuer', 'main/demo', 'main/app', 'main/shell', 'central', 'test'],
};

/** Of main, the drivers may import this module only. */
export const DRIVERS_MAY_IMPORT = ['main/contract/devices.ts'];

/** The folder (a key of LAYERS) a repository path belongs to, or null outside the layered tree. */
export function layerOf(repoPath) {
  const parts = repoPath.split('/');
  if (parts[0] === 'main') return parts.length === 2 ? 'main' : `main/${parts[1]}`;
  if (parts[0] === 'central' || parts[0] === 'drivers' || parts[0] === 'renderer' || parts[0] === 'bench' || parts[0] === 'test') return parts[0];
  return null;
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export const layersPlugin = {
  rules: {
    layers: {
      meta: {
        type: 'problem',
        schema: [],
        messages: {
          unknown: '{{from}} is in no layer: give it its place in lint/layers.js',
          forbidden: '{{from}} may not import {{to}} (lint/layers.js: {{from}} imports {{allowed}})',
          driversOnly: 'drivers may import of main only {{allowed}}',
        },
      },
      create(context) {
        const file = path.relative(root, context.filename).split(path.sep).join('/');
        const from = layerOf(file);
        if (!from || from === 'test') return {};
        const check = (node, spec) => {
          if (typeof spec !== 'string' || !spec.startsWith('.')) return;
          const target = path
            .relative(root, path.resolve(path.dirname(context.filename), spec))
            .split(path.sep)
            .join('/')
            .replace(/\.js$/, '.ts')
            .replace(/\.cjs$/, '.cts');
          const to = layerOf(target);
          if (!to || to === from) return;
          const allowed = LAYERS[from];
          if (!allowed) return context.report({ node, messageId: 'unknown', data: { from } });
          if (!allowed.includes(to)) return context.report({ node, messageId: 'forbidden', data: { from, to, allowed: allowed.join(', ') || 'nothing' } });
          if (from === 'drivers' && to.startsWith('main') && !DRIVERS_MAY_IMPORT.includes(target)) context.report({ node, messageId: 'driversOnly', data: { allowed: DRIVERS_MAY_IMPORT.join(', ') } });
        };
        return {
          ImportDeclaration: (node) => check(node.source, node.source.value),
          ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
          ExportAllDeclaration: (node) => check(node.source, node.source.value),
          ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
        };
      },
    },
  },
};
