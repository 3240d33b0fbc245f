//! CalVer formats from outside (configuration files) never panic, and a
//! second release on the same day never goes backwards.
#![no_main]

use jiff::civil::date;
use libfuzzer_sys::fuzz_target;
use relkit_version::CalVer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(format) = CalVer::new(text) else {
        return;
    };
    let n = data.len();
    let year = 1990 + i16::try_from(n % 200).unwrap_or(0);
    let month = 1 + i8::try_from(n % 12).unwrap_or(0);
    let day = 1 + i8::try_from(n % 28).unwrap_or(0);
    let today = date(year, month, day);
    if let Ok(first) = format.next(None, today) {
        if let Ok(second) = format.next(Some(&first), today) {
            assert!(second > first);
        }
    }
});
