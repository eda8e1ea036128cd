// Types for lint/layers.js (plain JavaScript, as eslint.config.js loads it).
export declare const LAYERS: Readonly<Record<string, readonly string[]>>;
export declare const DRIVERS_MAY_IMPORT: readonly string[];
export declare function layerOf(repoPath: string): string | null;
export declare const layersPlugin: object;
