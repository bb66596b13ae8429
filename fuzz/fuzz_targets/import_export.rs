//! Arbitrary bytes as an AWS export of every kind `[[import]]` and `xacct import` read.
#![no_main]

#[path = "../src/world.rs"]
#[expect(dead_code, reason = "the module holds the code of both world targets")]
mod world;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    world::import_export(data);
});
