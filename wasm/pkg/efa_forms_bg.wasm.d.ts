/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const __wbg_form_free: (a: number, b: number) => void;
export const form_errors: (a: number, b: any, c: number) => [number, number, number];
export const form_evaluate: (a: number, b: any, c: number) => [number, number, number];
export const form_hash: (a: number) => [number, number];
export const form_id: (a: number) => [number, number];
export const form_languages: (a: number) => [number, number];
export const form_load: (a: any) => [number, number, number];
export const form_model: (a: number) => [number, number, number];
export const form_publisher: (a: number) => [number, number];
export const form_validate: (a: number, b: any, c: number) => [number, number, number];
export const form_validateJson: (a: number, b: number, c: number, d: number, e: number) => [number, number, number, number];
export const form_version: (a: number) => [number, number];
export const __wbindgen_export: (a: number, b: number) => number;
export const __wbindgen_export2: (a: number, b: number, c: number, d: number) => number;
export const __wbindgen_export3: (a: number, b: number, c: number) => void;
export const __wbindgen_export4: (a: number) => void;
export const __wbindgen_export5: () => number;
export const __wbindgen_externrefs: WebAssembly.Table;
export const __wbindgen_export6: (a: number) => void;
export const __wbindgen_export7: (a: number, b: number) => void;
export const __wbindgen_start: () => void;
