//! `boltic-wasm-split <app.wasm> <pkg dir> <main module out.wasm>`: splits the web app's wasm
//! (built with `-Clink-args=--emit-relocs`) at the split points Leptos' `#[lazy]` and
//! `#[lazy_route]` leave in it. Writes into `<pkg dir>` one `<name>.wasm` per split module, the
//! loader `__wasm_split.______________________.js` they are fetched through, and
//! `__wasm_split_manifest.json` (which modules each lazy function needs: the server reads it to
//! preload a page's modules); writes the main module, for wasm-bindgen, to `<main module
//! out.wasm>`. Prints the split modules' paths, one per line.

use std::path::PathBuf;
use std::process::ExitCode;

/// The loader's name: what Leptos' `HydrationScripts` preloads when files are not hashed.
const LOADER: &str = "./__wasm_split.______________________.js";
/// The manifest's name, read by `HydrationScripts` from the site's pkg folder.
const MANIFEST: &str = "__wasm_split_manifest.json";
/// The module wasm-bindgen writes for the main wasm (`--out-name boltic --target web`).
const MAIN_MODULE: &str = "./boltic.js";

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, pkg, main_out] = args.as_slice() else {
        eprintln!("usage: boltic-wasm-split <app.wasm> <pkg dir> <main module out.wasm>");
        return ExitCode::from(2);
    };
    match split(input, pkg, main_out) {
        Ok(modules) => {
            for module in modules {
                println!("{}", module.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "boltic-wasm-split: cannot split '{}': {e:#}",
                input.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn split(
    input: &PathBuf,
    pkg: &PathBuf,
    main_out: &PathBuf,
) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input)?;
    std::fs::create_dir_all(pkg)?;
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&wasm);
        options.output_dir = pkg;
        options.main_out_path = main_out;
        options.main_module = MAIN_MODULE;
        options.link_name = LOADER;
        options
    })
    .map_err(|e| format!("{e:#}"))?;
    std::fs::write(
        pkg.join(MANIFEST),
        serde_json::to_string_pretty(&split.prefetch_map)?,
    )?;
    Ok(split.split_modules)
}
