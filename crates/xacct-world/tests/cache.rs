//! The cache of compiled worlds gives back the world a load from the files gives, and is
//! used only while every file it was made from is unchanged.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a scenario that cannot be copied or loaded fails the test"
)]

use std::path::{Path, PathBuf};
use xacct_world::cache::{load_cached, CacheUse};
use xacct_world::{load_with, FileAccess, Loaded};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every scenario of the examples and of this crate's fixtures.
fn scenarios() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|entry| Some(entry.ok()?.path()))
            .collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                walk(&path, found);
            } else if path.file_name().is_some_and(|name| name == "xacct.toml") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&workspace().join("examples"), &mut found);
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        &mut found,
    );
    found
}

/// Everything a load gives, as text: world, findings, entities left out, manifest. The
/// request time is the clock's at each load, so it is pinned first.
fn everything(loaded: &mut Loaded) -> String {
    loaded.world.request_time = xacct_eval::RequestTime::parse("2026-12-07T00:00:00Z").unwrap();
    format!(
        "{:#?}\n{:#?}\n{:#?}\n{:#?}",
        loaded.world, loaded.findings, loaded.left_out, loaded.manifest
    )
}

fn fresh(path: &Path) -> String {
    everything(&mut load_with(path, &FileAccess::anywhere()).unwrap())
}

fn cached(path: &Path, cache: &Path) -> (String, CacheUse) {
    let (mut loaded, used) = load_cached(path, &FileAccess::anywhere(), cache).unwrap();
    (everything(&mut loaded), used)
}

#[test]
fn every_cached_scenario_reads_back_as_loaded_from_its_files() {
    let cache = tempfile::tempdir().unwrap();
    let mut hits = 0;
    let (mut lake_hits, mut access_point_hits) = (0, 0);
    for path in scenarios() {
        let (first, used) = cached(&path, cache.path());
        let kept = matches!(used, CacheUse::Written { .. });
        assert!(
            kept || matches!(used, CacheUse::NotKept { .. }),
            "{}: {used:?}",
            path.display()
        );
        let (second, used) = cached(&path, cache.path());
        if !kept {
            assert!(
                matches!(used, CacheUse::NotKept { .. }),
                "{}: {used:?}",
                path.display()
            );
            continue;
        }
        assert_eq!(used, CacheUse::Hit, "{}", path.display());
        hits += 1;
        let world = load_with(&path, &FileAccess::anywhere()).unwrap().world;
        if !world.lake.catalogs.is_empty() || !world.lake.grants.is_empty() {
            lake_hits += 1;
        }
        if !world.access_points.is_empty() {
            access_point_hits += 1;
        }
        let from_files = fresh(&path);
        assert_eq!(first, from_files, "{}: first load", path.display());
        assert!(
            second == from_files,
            "{}: the cached world differs",
            path.display()
        );
    }
    // The scenarios without compute settings, Unity Catalog or intents; among them those
    // with Lake Formation and Glue, and with access points.
    eprintln!("{hits} kept, {lake_hits} with a lake, {access_point_hits} with access points");
    assert!(
        hits >= 15,
        "only {hits} scenarios were read back from the cache"
    );
    assert!(lake_hits >= 8, "only {lake_hits} with a lake");
    assert!(
        access_point_hits >= 4,
        "only {access_point_hits} with access points"
    );
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the exports fixture (two accounts of an organization, read from the AWS CLI's
/// exports), in a folder of its own.
fn example_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("scenario");
    copy_folder(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/scenario"),
        &scenario,
    );
    (dir, scenario)
}

fn written_because(used: &CacheUse) -> &str {
    match used {
        CacheUse::Written { why } => why,
        other => panic!("expected a fresh load that writes the cache, got {other:?}"),
    }
}

#[test]
fn editing_adding_or_removing_a_file_is_a_fresh_load() {
    let (_dir, scenario) = example_copy();
    let cache = tempfile::tempdir().unwrap();
    let manifest = scenario.join("xacct.toml");
    let (_, used) = cached(&scenario, cache.path());
    assert_eq!(written_because(&used), "no cache entry");
    assert_eq!(cached(&scenario, cache.path()).1, CacheUse::Hit);

    // One policy file edited: the entry is not used, and the world is the edited one.
    let policy = scenario.join("222222222222/shared-data-bucket.bucket-policy.json");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, text.replace("s3:GetObject", "s3:GetObjectTagging")).unwrap();
    let (world, used) = cached(&scenario, cache.path());
    let why = written_because(&used);
    assert!(
        why.contains(&*policy.file_name().unwrap().to_string_lossy()),
        "{why}"
    );
    assert!(world.contains("s3:GetObjectTagging"));
    assert_eq!(world, fresh(&scenario));
    let (again, used) = cached(&scenario, cache.path());
    assert_eq!(used, CacheUse::Hit);
    assert_eq!(again, world);

    // The same bytes again: the content is the key, not the time it was written.
    std::fs::write(&policy, text.replace("s3:GetObject", "s3:GetObjectTagging")).unwrap();
    assert_eq!(cached(&scenario, cache.path()).1, CacheUse::Hit);

    // A file the manifest names that was missing, then added, then removed.
    let manifest_text = std::fs::read_to_string(&manifest).unwrap();
    let added = format!(
        "{manifest_text}\n[[import]]\nkind = \"authorization-details\"\npath = \"333333333333/authorization-details.json\"\naccount = \"333333333333\"\n"
    );
    std::fs::write(&manifest, added).unwrap();
    let (missing, used) = cached(&scenario, cache.path());
    assert_eq!(written_because(&used), "the manifest changed");
    assert!(missing.contains("missing-import-file"), "{missing}");
    assert_eq!(cached(&scenario, cache.path()).1, CacheUse::Hit);
    std::fs::create_dir(scenario.join("333333333333")).unwrap();
    std::fs::write(
        scenario.join("333333333333/authorization-details.json"),
        r#"{"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}"#,
    )
    .unwrap();
    let (with_file, used) = cached(&scenario, cache.path());
    assert!(written_because(&used).contains("333333333333"), "{used:?}");
    assert_ne!(with_file, missing);
    assert_eq!(with_file, fresh(&scenario));
    assert_eq!(cached(&scenario, cache.path()).1, CacheUse::Hit);
    std::fs::remove_file(scenario.join("333333333333/authorization-details.json")).unwrap();
    let (removed, used) = cached(&scenario, cache.path());
    assert!(written_because(&used).contains("333333333333"), "{used:?}");
    assert_eq!(removed, missing);
}

#[test]
fn a_damaged_or_foreign_entry_is_never_trusted() {
    let (_dir, scenario) = example_copy();
    let cache = tempfile::tempdir().unwrap();
    let expected = fresh(&scenario);
    cached(&scenario, cache.path());
    let entry = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .next()
        .unwrap();
    let good = std::fs::read(&entry).unwrap();
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let at = good
        .windows(version.len())
        .position(|window| window == version)
        .unwrap();
    let mut other_version = good.clone();
    other_version[at] = if version[0] == b'9' { b'8' } else { b'9' };
    let mut damaged = Vec::new();
    for cut in [0, 3, 8, good.len() / 3, good.len() / 2, good.len() - 1] {
        damaged.push(("cut", good[..cut].to_vec()));
    }
    // The world is decoded while its check runs: a changed byte anywhere in it must end as a
    // miss, never a panic or an abort.
    let step = (good.len() / 97).max(1);
    for at in [9, 20, good.len() / 2, good.len() - 2]
        .into_iter()
        .chain((0..good.len()).step_by(step))
    {
        let mut flipped = good.clone();
        flipped[at] ^= 0x5a;
        damaged.push(("flipped", flipped));
    }
    let mut longer = good.clone();
    longer.extend_from_slice(b"more");
    damaged.push(("longer", longer));
    damaged.push(("other version", other_version));
    damaged.push((
        "garbage",
        b"not a cache entry at all, but long enough to be read".to_vec(),
    ));
    for (what, bytes) in damaged {
        std::fs::write(&entry, &bytes).unwrap();
        let (world, used) = cached(&scenario, cache.path());
        assert!(matches!(used, CacheUse::Written { .. }), "{what}: {used:?}");
        assert_eq!(world, expected, "{what}");
        // And it was written anew.
        assert_eq!(std::fs::read(&entry).unwrap(), good, "{what}");
    }
}

#[test]
fn a_world_the_snapshot_does_not_hold_is_loaded_from_its_files_each_time() {
    let cache = tempfile::tempdir().unwrap();
    let scenario = workspace().join("examples/emr-runtime-role");
    for _ in 0..2 {
        let (_, used) = cached(&scenario, cache.path());
        assert_eq!(
            used,
            CacheUse::NotKept {
                why: "the snapshot does not hold compute".to_owned()
            }
        );
    }
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 0);
}

/// The source file of the role `name` in a load.
fn role_source(loaded: &Loaded, name: &str) -> std::sync::Arc<xacct_policy::SourceFile> {
    let role = loaded
        .world
        .roles
        .values()
        .find(|role| role.name == name)
        .unwrap();
    std::sync::Arc::clone(role.origin.source().unwrap())
}

#[test]
fn a_large_export_read_back_is_let_go_as_on_a_fresh_load() {
    let (_dir, scenario) = example_copy();
    let cache = tempfile::tempdir().unwrap();
    // Past the 64 KiB the loader keeps: blank lines after the document.
    let export = scenario.join("111111111111/authorization-details.json");
    let text = std::fs::read_to_string(&export).unwrap();
    let large = format!("{text}{}", "\n".repeat(70_000));
    std::fs::write(&export, &large).unwrap();
    let small = scenario.join("222222222222/authorization-details.json");

    let fresh = load_with(&scenario, &FileAccess::anywhere()).unwrap();
    let role_location = |loaded: &Loaded, name: &str| {
        let role = loaded.world.roles.values().find(|role| role.name == name);
        role.unwrap().origin.location()
    };
    assert!(!role_source(&fresh, "MyRoleA").holds_text());
    let location = role_location(&fresh, "MyRoleA");
    assert!(
        location.contains("authorization-details.json:"),
        "{location}"
    );
    let (_, used) = load_cached(&scenario, &FileAccess::anywhere(), cache.path()).unwrap();
    assert_eq!(written_because(&used), "no cache entry");
    let (cached, used) = load_cached(&scenario, &FileAccess::anywhere(), cache.path()).unwrap();
    assert_eq!(used, CacheUse::Hit);
    let read_back = role_source(&cached, "MyRoleA");
    assert_eq!(read_back.name, role_source(&fresh, "MyRoleA").name);
    assert!(!read_back.holds_text());
    // The small export's text is kept, as the loader keeps it.
    let kept = role_source(&cached, "MyRoleB");
    assert_eq!(kept.name, role_source(&fresh, "MyRoleB").name);
    assert!(kept.holds_text());
    assert_eq!(kept.text(), std::fs::read_to_string(&small).unwrap());

    // Changed on disk after the load: the text let go is not quoted, and the location is
    // still the one in the text the world was made from.
    std::fs::write(&export, large.replace("MyRoleA", "MyRoleZ")).unwrap();
    assert_eq!(read_back.text(), "");
    assert_eq!(role_location(&cached, "MyRoleA"), location);
    // Unchanged, it is read again to quote it, and points where a fresh load points.
    std::fs::write(&export, &large).unwrap();
    let (again, used) = load_cached(&scenario, &FileAccess::anywhere(), cache.path()).unwrap();
    assert_eq!(used, CacheUse::Hit);
    assert_eq!(role_location(&again, "MyRoleA"), location);
    assert_eq!(role_source(&again, "MyRoleA").text(), large);
}
