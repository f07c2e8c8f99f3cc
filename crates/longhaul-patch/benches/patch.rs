//! Micro-benchmarks: parsing real patch files and placing hunks in a large file.
//! Whole-process figures on the real Kubernetes tree: `bench/verify-k8s.sh`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

fn parse(c: &mut Criterion) {
    let data = std::env::var_os("LONGHAUL_REAL_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let dir = data.join("klts/patches");
    let mut group = c.benchmark_group("parse");
    for name in [
        "CVE-2021-25741.1.18.patch",
        "codegens-to-scripts.1.25.patch",
        "nokmem.1.20.patch",
    ] {
        let Ok(bytes) = std::fs::read(dir.join(name)) else {
            continue;
        };
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| longhaul_patch::patch::parse(black_box(&bytes)).unwrap())
        });
    }
    group.finish();
}

/// A 20,000-line file and a patch with 50 hunks, applied to a copy shifted by a
/// few lines so that every hunk has to be searched for.
fn place(c: &mut Criterion) {
    let old: String = (0..20_000)
        .map(|i| format!("line {i} of the file\n"))
        .collect();
    let mut diff = String::from("--- a/f\n+++ b/f\n");
    for h in 0..50 {
        let at = 100 + h * 390; // 0-based line of the change
        diff.push_str(&format!("@@ -{},7 +{},7 @@\n", at - 2, at - 2));
        for i in at - 3..at {
            diff.push_str(&format!(" line {i} of the file\n"));
        }
        diff.push_str(&format!("-line {at} of the file\n+changed {at}\n"));
        for i in at + 1..at + 4 {
            diff.push_str(&format!(" line {i} of the file\n"));
        }
    }
    let hunks = longhaul_patch::patch::parse_diff(diff.as_bytes(), 1)
        .unwrap()
        .remove(0)
        .hunks;
    let shifted = format!("x\ny\nz\n{old}");
    let mut group = c.benchmark_group("apply");
    group.throughput(Throughput::Bytes(old.len() as u64));
    group.bench_function("50 hunks, exact", |b| {
        b.iter(|| {
            longhaul_patch::apply::hunks::apply_hunks(black_box(old.as_bytes()), &hunks, 0).unwrap()
        })
    });
    group.bench_function("50 hunks, offset 3", |b| {
        b.iter(|| {
            longhaul_patch::apply::hunks::apply_hunks(black_box(shifted.as_bytes()), &hunks, 0)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, parse, place);
criterion_main!(benches);
