//! A file and a patch, separated by a NUL byte: applying never panics, and a
//! successful application contains every line the last hunk adds. (Context lines
//! may legitimately differ: with fuzz, ignored context keeps the file's own text.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else { return };
    let (content, rest) = data.split_at(split);
    let Some((&fuzz, patch)) = rest[1..].split_first() else { return };
    let Ok(parsed) = longhaul::patch::parse(patch) else { return };
    for commit in &parsed.commits {
        for file in &commit.files {
            if let Ok(applied) = longhaul::apply::hunks::apply_hunks(content, &file.hunks, usize::from(fuzz % 3)) {
                assert_eq!(applied.placements.len(), file.hunks.len());
                if let Some(last) = file.hunks.last() {
                    let added = last.lines.iter().filter(|l| l.kind == longhaul::patch::LineKind::Add);
                    for line in added {
                        let text = line.new_text();
                        let needle = text.strip_suffix(b"\n").unwrap_or(text);
                        assert!(
                            needle.is_empty() || applied.content.windows(needle.len()).any(|w| w == needle),
                            "post-image line missing from the result"
                        );
                    }
                }
            }
        }
    }
});
