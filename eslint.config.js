// Lint, including the layering of ../shared/guides/architecture.md: who may
// import whom is checked here so nobody has to remember it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { layersPlugin } from './lint/layers.js';

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'stream', 'util', 'worker_threads'];
const NATIVE = ['better-sqlite3', 'serialport', '@serialport/*', 'node-hid'];

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // Who may import whom, folder by folder: the map in lint/layers.js.
    files: ['main/**/*.ts', 'main/**/*.cts', 'central/**/*.ts', 'drivers/**/*.ts', 'renderer/**/*.ts', 'bench/**/*.ts'],
    plugins: { sentinel: layersPlugin },
    rules: { 'sentinel/layers': 'error' },
  },
  {
    files: ['main/contract/**/*.ts'],
    rules: restrict(
      [...NODE_BUILTINS, ...NATIVE, 'electron', 'jose', '@opencvjs/*', '**/verify/**', '**/decide/**', '**/drivers/**', '**/renderer/**', '../*.js', '../../*'],
      'main/contract holds types and schemas only: no node, electron, drivers or other layers.',
    ),
  },
  {
    files: ['main/decide/**/*.ts'],
    rules: restrict(
      [...NODE_BUILTINS, ...NATIVE, 'electron', '**/drivers/**', '**/renderer/**', '../log/*', '../trust/*', '../checkpoint/*', '../cli/*', '../*.js'],
      'decide is pure: contract and verify only; time is a parameter.',
    ),
  },
  {
    // Verification may use two of Node's pure computations and nothing else of it:
    // node:zlib (a DCC is ZLIB-compressed, an SHC raw DEFLATE) and node:crypto
    // (X509Certificate reads a DCC signer's certificate). No I/O, no clock.
    files: ['main/verify/*.ts'],
    rules: restrict(
      [...NODE_BUILTINS, '!node:zlib', '!node:crypto', ...NATIVE, 'electron', '**/drivers/**', '**/renderer/**', '../log/*', '../trust/*', '../checkpoint/*', '../cli/*', '../*.js'],
      'verify is pure: contract, jose, node:zlib and node:crypto only; time is a parameter.',
    ),
  },
  {
    // The same rule one folder down (each format's verifier): its siblings in main/verify are its own layer.
    files: ['main/verify/formats/*.ts'],
    rules: restrict(
      [...NODE_BUILTINS, '!node:zlib', '!node:crypto', ...NATIVE, 'electron', '**/drivers/**', '**/renderer/**', '../../log/*', '../../trust/*', '../../checkpoint/*', '../../cli/*', '../../*.js'],
      'verify is pure: contract, jose, node:zlib and node:crypto only; time is a parameter.',
    ),
  },
  {
    files: ['main/verify/**/*.ts', 'main/decide/**/*.ts', 'main/contract/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', 'document', 'window', 'navigator', 'localStorage', 'process', 'Buffer'],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'No hidden clock in the pure core: take the time as a parameter.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'No hidden clock in the pure core: take the time as a parameter.' },
      ],
    },
  },
  {
    files: ['main/**/*.ts', 'main/**/*.cts'],
    ignores: ['main/contract/**', 'main/verify/**', 'main/decide/**', 'main/shell/electron/**'],
    rules: restrict(
      ['**/renderer/**', 'electron', ...NATIVE.filter((m) => m !== 'better-sqlite3')],
      'main must not import the renderer; electron only in the Electron shell; device libraries only through drivers/bindings.',
    ),
  },
  {
    files: ['main/shell/electron/**'],
    rules: restrict(
      ['**/renderer/**', ...NATIVE.filter((m) => m !== 'better-sqlite3')],
      'the Electron shell is the one place electron is imported; it must not import the renderer or device libraries.',
    ),
  },
  {
    // The central service runs on a server: PostgreSQL or PGlite, never the kiosk's devices, screen or SQLite.
    files: ['central/**/*.ts'],
    rules: restrict(['electron', '**/renderer/**', '**/drivers/**', ...NATIVE], "central is the server side: no electron, renderer, drivers, device libraries or the kiosk's SQLite."),
  },
  {
    files: ['drivers/**/*.ts'],
    ignores: ['drivers/bindings.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', '**/renderer/**', ...NATIVE],
              message: 'drivers know nothing of renderer or electron; only drivers/bindings.ts imports the device libraries (the rest take them injected).',
            },
            { regex: '(^|/)main/(?!contract/devices\\.js$)', message: 'drivers know of main only its device vocabulary (main/contract/devices).' },
          ],
        },
      ],
    },
  },
  {
    files: ['drivers/bindings.ts'],
    rules: restrict(['electron', '**/main/**', '**/renderer/**', 'better-sqlite3'], 'drivers know nothing of main, renderer or electron.'),
  },
  {
    files: ['renderer/**/*.ts'],
    // The build configuration runs in node, not in the screen.
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // Nor OpenCV: its curved QR decoder is `sentinel decode`'s last file pass only (main/decode/curved-decoder.ts).
      ...restrict([...NODE_BUILTINS, ...NATIVE, 'electron', '**/drivers/**', '@opencvjs/*'], 'the renderer shows what main decided: no node, electron, drivers or OpenCV.'),
      // From main, types only (the contract), and four modules' code: the IPC table, whose
      // makeKioskApi the screen shares with the preload, the device vocabulary its pickers
      // offer, the PIN rule the pad checks a first PIN by, and the QR decode plan its worker
      // follows as `sentinel decode` does (main/contract is kept free of
      // node by its own rule above). Never main's other code.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/main/**',
                '!**/main/contract',
                '!**/main/contract/ipc.js',
                '!**/main/contract/devices.js',
                '!**/main/contract/pin-rule.js',
                '!**/main/contract/qr-decode-plan.js',
                '!**/main/contract/grey-image.js',
              ],
              allowTypeImports: true,
              message: 'the renderer takes only types from main/contract, and code from main/contract/ipc.ts, devices.ts, pin-rule.ts, qr-decode-plan.ts and grey-image.ts alone',
            },
          ],
        },
      ],
    },
  },
);
