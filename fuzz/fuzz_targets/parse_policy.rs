//! Arbitrary bytes as a policy of every kind; policies without errors are also evaluated.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    xacct_fuzz::parse_policy(data);
});
