//! Manifest-wide work that must stay linear in the number of releases: `lint`'s
//! cycle detection over long stacks of releases (issue 6: it was cubic, 22 s
//! for 4,000 stacked releases).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

/// `n` maintained releases, each based on the one before, the first on an
/// upstream tag.
fn stacked(n: usize) -> longhaul::release::manifest::Manifest {
    let mut text =
        String::from("releases:\n  - {name: v1.0.0-lts.0, base_release: v1.0.0, must: true}\n");
    for i in 1..n {
        writeln!(
            text,
            "  - {{name: v1.0.0-lts.{i}, base_release: v1.0.0-lts.{}, must: true}}",
            i - 1
        )
        .unwrap();
    }
    longhaul::release::manifest::Manifest::parse(&text, Path::new("releases.yml")).unwrap()
}

fn lint_stacks(c: &mut Criterion) {
    let mut group = c.benchmark_group("lint-stacked-releases");
    group.sample_size(10);
    for n in [1_000, 4_000, 10_000] {
        let manifest = stacked(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &manifest, |b, m| {
            b.iter(|| longhaul::release::lint::lint(black_box(m), None, None))
        });
    }
    group.finish();
}

criterion_group!(benches, lint_stacks);
criterion_main!(benches);
