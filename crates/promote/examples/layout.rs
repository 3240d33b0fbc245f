//! A tiny OCI layout tool over relkit-promote, used by `benches/peers.sh` to
//! time a 1 GiB push (and a layout-to-layout copy) against `skopeo copy`.
//!
//! ```text
//! layout push STORE TAG FILE...     push files as one artifact, print its digest
//! layout copy SRC REF DST TAG       copy an artifact (and its referrers) to another layout
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use relkit_promote::{PushOptions, Store};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [cmd, store, tag, files @ ..] if cmd == "push" && !files.is_empty() => {
            let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
            Store::create(store)
                .and_then(|s| {
                    s.push_files(
                        &files,
                        &PushOptions {
                            tag: Some(tag.clone()),
                            ..Default::default()
                        },
                    )
                })
                .map(|p| p.digest)
        }
        [cmd, src, reference, dst, tag] if cmd == "copy" => Store::open(src)
            .and_then(|s| Store::create(dst).and_then(|d| s.copy_to(reference, &d, Some(tag))))
            .map(|e| e.digest),
        _ => {
            eprintln!("usage: layout push STORE TAG FILE... | layout copy SRC REF DST TAG");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(d) => {
            println!("{d}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
