//! Arbitrary bytes as a scenario folder: `xacct.toml`, then files beside it, loaded.
#![no_main]

#[path = "../src/world.rs"]
#[expect(dead_code, reason = "the module holds the code of both world targets")]
mod world;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = world::load_scenario(data);
});
