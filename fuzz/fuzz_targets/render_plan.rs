//! Arbitrary names and values for an intent, planned and rendered in every format.
#![no_main]

#[path = "../src/plan.rs"]
mod plan;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let scenario =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/s3-role-chain/plan");
    let _ = plan::render_plan(data, &scenario);
});
