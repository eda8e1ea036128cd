// The layer lint proves itself: for every folder, an import the map forbids
// is reported and one it allows is not; the library rules fire where they
// are meant to. Linted as text at a path inside the tree (no file is written).
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { LAYERS, layerOf } from '../../lint/layers.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** A file path inside `layer` (a key of LAYERS) and a module path inside another. */
const fileIn = (layer: string): string => (layer === 'main' ? 'main/probe.ts' : layer === 'renderer' ? 'renderer/src/probe.ts' : `${layer}/probe.ts`);
const moduleIn = (layer: string): string =>
  layer === 'main' ? 'main/data-dir.js' : layer === 'main/contract' ? 'main/contract/devices.js' : layer === 'renderer' ? 'renderer/src/probe.js' : `${layer}/probe.js`;

async function messagesFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

function importOf(fromFile: string, toModule: string): string {
  let rel = path.relative(path.dirname(fromFile), toModule);
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return `import type { Probe } from '${rel}';\nexport type P = Probe;\n`;
}

const layers: string[] = Object.keys(LAYERS);

describe('the layer map', () => {
  it.each(layers.filter((l) => layers.some((other) => other !== l && !LAYERS[l]!.includes(other))))('%s: an import the map forbids is reported', async (layer) => {
    const file = fileIn(layer);
    for (const other of layers) {
      if (other === layer || LAYERS[layer]!.includes(other)) continue;
      const messages = await messagesFor(file, importOf(file, moduleIn(other)));
      expect(
        messages.filter((m) => m.startsWith('sentinel/layers')),
        `${layer} → ${other}`,
      ).not.toEqual([]);
    }
  });

  it.each(layers.filter((l) => LAYERS[l]!.length > 0))('%s: the imports the map allows are not reported', async (layer) => {
    const file = fileIn(layer);
    for (const other of LAYERS[layer] as string[]) {
      const messages = await messagesFor(file, importOf(file, moduleIn(other)));
      expect(
        messages.filter((m) => m.startsWith('sentinel/layers')),
        `${layer} → ${other}`,
      ).toEqual([]);
    }
  });

  it('a folder that has no place in the map is reported', async () => {
    expect(layerOf('main/gates/relay.ts')).toBe('main/gates');
    const messages = await messagesFor('main/gates/relay.ts', importOf('main/gates/relay.ts', 'main/contract/devices.js'));
    expect(messages.join('\n')).toMatch(/main\/gates is in no layer/);
  });

  it('the drivers take from main its device vocabulary only', async () => {
    expect(await messagesFor('drivers/probe.ts', importOf('drivers/probe.ts', 'main/contract/devices.js'))).toEqual([]);
    expect((await messagesFor('drivers/probe.ts', importOf('drivers/probe.ts', 'main/contract/kiosk.js'))).join('\n')).toMatch(/drivers may import of main only main\/contract\/devices\.ts/);
  });

  it('a dynamic import is held to the same map', async () => {
    const messages = await messagesFor('main/log/probe.ts', "export const load = () => import('../sync/sync-loop.js');\n");
    expect(messages.join('\n')).toMatch(/main\/log may not import main\/sync/);
  });

  it('the central service is a layer of its own: of the layers, only the command line and the benchmarks import it', async () => {
    expect(layerOf('central/service.ts')).toBe('central');
    const importers = Object.keys(LAYERS).filter((l) => LAYERS[l]!.includes('central'));
    expect(importers.sort()).toEqual(['bench', 'main/cli']);
    const messages = await messagesFor('central/probe.ts', importOf('central/probe.ts', 'main/log/check-log.js'));
    expect(messages.join('\n')).toMatch(/central may not import main\/log/);
  });

  it('every folder of main/ with code has its place', async () => {
    const fs = await import('node:fs');
    const folders = fs
      .readdirSync(path.join(root, 'main'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `main/${d.name}`);
    expect(folders.filter((f) => !(f in LAYERS))).toEqual([]);
  });
});
