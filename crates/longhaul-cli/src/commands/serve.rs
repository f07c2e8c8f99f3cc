//! `longhaul serve`: preview the status site on 127.0.0.1, rebuilt when its
//! inputs change (the `serve` feature).

use crate::context::Context;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

/// Preview the status site on 127.0.0.1, rebuilt when the manifest,
/// patches, advisories or statements change.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The port (0: any free one).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Where to build the site (default: a temporary folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

pub fn run(ctx: &Context, port: u16, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let temp;
    let out: PathBuf = match out {
        Some(p) => p.to_path_buf(),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().join("site")
        }
    };
    let files = super::site::build(ctx, &out, None, None)?;
    let manifest = ctx.manifest()?;
    let watched = vec![
        manifest.dir().to_path_buf(),
        ctx.advisories_dir(Some(&manifest)),
        ctx.statements_file(&manifest),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        eprintln!("serving {files} files at http://{addr}/ (Ctrl-C stops); rebuilding when the manifest, patches, advisories or statements change");
        let root = out.clone();
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let root = root.clone();
            async move { serve_file(&root, uri.path()).await }
        });
        let mut last = fingerprint(&watched, &out);
        let rebuild = async {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let now = fingerprint(&watched, &out);
                if now != last {
                    last = now;
                    match super::site::build(ctx, &out, None, None) {
                        Ok(n) => eprintln!("rebuilt ({n} files)"),
                        Err(e) => eprintln!("error: {} (still serving the last good build)", crate::ui::error_text(&e)),
                    }
                }
            }
        };
        tokio::select! {
            r = axum::serve(listener, app) => r.map_err(anyhow::Error::from),
            _ = rebuild => Ok(()),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The bytes of a site file, or 404. Paths never leave the site folder.
async fn serve_file(root: &Path, path: &str) -> Response {
    let rel = path.trim_start_matches('/');
    let rel = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    if rel.split('/').any(|c| c == ".." || c.starts_with('.')) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let file = root.join(&rel);
    match std::fs::read(&file) {
        Ok(bytes) => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("json") => "application/json",
                Some("xml") => "application/atom+xml",
                Some("svg") => "image/svg+xml",
                Some("md") | Some("patch") => "text/plain; charset=utf-8",
                _ => "application/octet-stream",
            };
            (
                [
                    (header::CONTENT_TYPE, kind),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                bytes,
            )
                .into_response()
        }
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Size and modification time of every file under `paths` (the site folder
/// and longhaul's own caches left out), to notice a change.
fn fingerprint(paths: &[PathBuf], out: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut seen = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        if p.starts_with(out) {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            let skip = p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n == ".git" || n == ".longhaul" || n == "target" || n.starts_with(".longhaul-site")
            });
            if !skip && let Ok(entries) = std::fs::read_dir(&p) {
                stack.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
            }
        } else {
            seen.push((p, meta.len(), meta.modified().ok()));
        }
    }
    seen.sort();
    seen.dedup();
    seen
}
