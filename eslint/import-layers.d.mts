// Types of import-layers.mjs for the test that keeps it and the READMEs in step.
export interface Layer {
  may: readonly string[] | '*';
  types?: readonly string[];
}
export declare const LAYERS: Readonly<Record<string, Layer>>;
export declare function importLayerBlocks(): unknown[];
