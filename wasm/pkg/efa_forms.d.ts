/* tslint:disable */
/* eslint-disable */

/** Options of `validate`, `errors` and `evaluate`. */
export interface ValidateOptions {
    /** Language of messages and labels (`"de"`, `"en"`); default and fallback: the form's first language. */
    lang?: string;
    /** The date `today()` returns, `YYYY-MM-DD`; default: the browser's local date. */
    today?: string;
}

/** One problem with a submission (SPEC section 3). */
export interface ValidationError {
    /** JSON Pointer to the value (`/anschrift/plz`), `""` for the whole submission. */
    path: string;
    code:
    | "required" | "type" | "min" | "max" | "minlength" | "maxlength" | "pattern"
    | "format" | "choice" | "repeat_min" | "repeat_max" | "file_type" | "file_size"
    | "unknown" | "check";
    /** The message for the citizen, in the requested language. */
    message: string;
}

/** A fee worked out from the answers. */
export interface Fee {
    id: string;
    label: string;
    /** Euros, rounded to cents. */
    amount: number;
}

/** The result of `validate`: the same JSON as `efa validate`. */
export interface ValidationResult {
    valid: boolean;
    errors: ValidationError[];
    fees: Fee[];
    /** The accepted data: hidden fields dropped, computed values and defaults filled. */
    data: Record<string, unknown>;
}

/** What a page needs while it is filled in. */
export interface Evaluation {
    /** Page id -> visible. */
    pages: Record<string, boolean>;
    /** JSON Pointer of every field and group instance -> visible. */
    visible: Record<string, boolean>;
    /** JSON Pointer -> value, for computed fields and fields whose default applies. */
    computed: Record<string, unknown>;
    /** The fees that have a value. */
    fees: Fee[];
}

/** A form text by language code. */
export type Text = Record<string, string>;

/** The compiled model of the artifact (`model` of a `.form.json`, format `efa-form/1`). */
export interface FormModel {
    id: string;
    version: string;
    title: Text;
    publisher: string;
    languages: string[];
    pages: Array<{ id: string; title: Text; visible?: unknown; items: unknown[] }>;
    params?: unknown[];
    lists?: Array<{ id: string; options: Array<{ key: string; text: Text }> }>;
    fees?: Array<{ id: string; label: Text; amount: unknown }>;
    [key: string]: unknown;
}



/**
 * A compiled form, loaded with its hash checked, ready to validate and evaluate
 * submissions exactly as the server does.
 */
export class Form {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Only the errors of a submission, as `validate` reports them.
     */
    errors(data: unknown, options?: ValidateOptions): ValidationError[];
    /**
     * Visibility of pages, fields and groups, computed values and fees for (possibly
     * incomplete) data.
     */
    evaluate(data: unknown, options?: ValidateOptions): Evaluation;
    /**
     * Loads a compiled form: the text of a `.form.json`, or the object it parses to.
     * Throws an `Error` when it is not an artifact, its format is unknown, or its hash
     * does not match its model ("hash mismatch: ...").
     */
    static load(artifact: string | object): Form;
    /**
     * The compiled model (pages, fields and their types, lists, expressions), as in the
     * artifact's `model`.
     */
    model(): FormModel;
    /**
     * Validates a submission given as JSON text and returns the result as the JSON text
     * `serde_json` writes: with `pretty`, byte for byte what `efa validate` prints
     * (without its final newline); otherwise compact.
     */
    validateJson(data: string, options?: ValidateOptions, pretty?: boolean): string;
    /**
     * Validates a submission: the same JSON as `efa validate` (SPEC section 3).
     */
    validate(data: unknown, options?: ValidateOptions): ValidationResult;
    /**
     * The artifact's hash (`sha256:...`).
     */
    readonly hash: string;
    /**
     * The form's id.
     */
    readonly id: string;
    /**
     * The form's languages; the first is the default.
     */
    readonly languages: string[];
    /**
     * The publishing state (`"TH"`).
     */
    readonly publisher: string;
    /**
     * The form's version (semver).
     */
    readonly version: string;
}

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_form_free: (a: number, b: number) => void;
    readonly form_errors: (a: number, b: any, c: number) => [number, number, number];
    readonly form_evaluate: (a: number, b: any, c: number) => [number, number, number];
    readonly form_hash: (a: number) => [number, number];
    readonly form_id: (a: number) => [number, number];
    readonly form_languages: (a: number) => [number, number];
    readonly form_load: (a: any) => [number, number, number];
    readonly form_model: (a: number) => [number, number, number];
    readonly form_publisher: (a: number) => [number, number];
    readonly form_validate: (a: number, b: any, c: number) => [number, number, number];
    readonly form_validateJson: (a: number, b: number, c: number, d: number, e: number) => [number, number, number, number];
    readonly form_version: (a: number) => [number, number];
    readonly __wbindgen_export: (a: number, b: number) => number;
    readonly __wbindgen_export2: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_export3: (a: number, b: number, c: number) => void;
    readonly __wbindgen_export4: (a: number) => void;
    readonly __wbindgen_export5: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_export6: (a: number) => void;
    readonly __wbindgen_export7: (a: number, b: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
