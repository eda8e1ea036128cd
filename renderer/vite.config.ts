// Builds what runs in the kiosk's screen process, from the same contract:
// - the screen into dist/renderer: plain files the kiosk serves itself (the
//   decoder's .wasm included), nothing fetched from the network;
// - with `--mode preload`, the Electron preload into one CommonJS file,
//   dist/main/shell/electron/preload.cjs. A sandboxed preload's require()
//   loads nothing but electron's own modules, so the contract's
//   makeKioskApi must be inside it.
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';

const at = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

const screen: UserConfig = {
  root: at('.'),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: at('../dist/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  worker: { format: 'es' },
};

const preload: UserConfig = {
  root: at('..'),
  logLevel: 'warn',
  // The preload sees no public files.
  publicDir: false,
  build: {
    outDir: at('../dist/main/shell/electron'),
    // Beside the main process's compiled files, which it must not remove.
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: false,
    minify: false,
    lib: { entry: at('../main/shell/electron/preload.ts'), formats: ['cjs'], fileName: () => 'preload.cjs' },
    rollupOptions: { external: ['electron'] },
  },
};

export default defineConfig(({ mode }) => (mode === 'preload' ? preload : screen));
