//! Arbitrary bytes as a REQUEST.json: read, decided and explained.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    xacct_fuzz::read_request(data);
});
