//! Any bytes: the patch parser returns a patch or a located error, never panics,
//! and every error line is within the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match longhaul::patch::parse(data) {
        Ok(patch) => {
            for commit in &patch.commits {
                for file in &commit.files {
                    for hunk in &file.hunks {
                        // Parsed counts always agree with the lines kept.
                        assert_eq!(hunk.preimage().count(), hunk.old_len);
                        assert_eq!(hunk.postimage().count(), hunk.new_len);
                    }
                }
            }
        }
        Err(e) => {
            let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
            assert!(e.line >= 1 && e.line <= lines + 1, "error line {} of {}", e.line, lines);
        }
    }
});
