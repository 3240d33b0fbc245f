//! Tag names and tag patterns from outside: never a panic, and every tag
//! that parses formats back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relkit_version::TagPattern;

const PATTERNS: [&str; 5] = [
    "v{version}",
    "{version}",
    "{package}-v{version}",
    "{package}@{version}",
    "release/{package}/{version}-final",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: a pattern of our own choosing or from the input; rest: a tag.
    let (head, tag) = text.split_once('\n').unwrap_or(("", text));
    let pattern = match head.bytes().next() {
        Some(b) if b.is_ascii_digit() => PATTERNS
            .get(usize::from(b - b'0') % PATTERNS.len())
            .and_then(|p| TagPattern::new(p).ok()),
        _ => TagPattern::new(head).ok(),
    };
    let Some(pattern) = pattern else { return };
    if let Some(parsed) = pattern.parse(tag) {
        assert_eq!(pattern.format(parsed.package, &parsed.version), tag);
    }
});
