// The entry of the npm package efa-forms: the wasm-bindgen module (efa_forms.js), whose
// default export `init` also works without arguments outside a browser. A browser fetches
// efa_forms_bg.wasm beside this file; Node (and other runtimes that load the package from
// file: URLs, where fetch cannot) reads it from disk.
//
//   import init, { Form } from "efa-forms";
//   await init();
//   const form = Form.load(artifactJson);
//   form.validate(data, { lang: "de", today: "2026-11-23" });

import initWasm from "./efa_forms.js";

export * from "./efa_forms.js";

/**
 * Loads the WebAssembly module (once). Without an argument: efa_forms_bg.wasm beside
 * this file. Otherwise whatever the wasm-bindgen `init` takes
 * (`{ module_or_path: URL | Response | BufferSource | WebAssembly.Module }`).
 */
export default async function init(input) {
  if (input === undefined) {
    const url = new URL("./efa_forms_bg.wasm", import.meta.url);
    if (url.protocol === "file:") {
      const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
      return initWasm({ module_or_path: await readFile(url) });
    }
    return initWasm({ module_or_path: url });
  }
  return initWasm(input);
}
