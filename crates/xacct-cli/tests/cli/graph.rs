//! `xacct graph` end to end: the picture formats, the filters, and the error when Graphviz is
//! missing.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot run its command fails"
)]

use super::workspace_root;
use std::path::Path;
use std::process::Command;

fn xacct(arguments: &[&str], dot: Option<&Path>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xacct"));
    command
        .args(arguments)
        .current_dir(workspace_root())
        .env("NO_COLOR", "1");
    if let Some(dot) = dot {
        command.env("XACCT_DOT", dot);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

const CHAIN: &str = "examples/s3-role-chain";

#[test]
fn graph_html_is_one_self_contained_page() {
    let (code, stdout, stderr) = xacct(&["graph", CHAIN, "--format", "html"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("<script"), "no script");
    assert!(
        !stdout.contains("http://") || !stdout.contains("src="),
        "nothing fetched"
    );
    insta::assert_snapshot!(stdout);
}

#[test]
fn graph_svg_without_graphviz_says_what_to_install() {
    let (code, stdout, stderr) = xacct(
        &["graph", CHAIN, "--format", "svg"],
        Some(Path::new("/nonexistent/dot")),
    );
    assert_eq!(code, 2);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("`--format svg` runs Graphviz `/nonexistent/dot`, which cannot be started"),
        "{stderr}"
    );
    assert!(stderr.contains("--format html"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn graph_svg_pipes_the_dot_text_through_graphviz() {
    use std::os::unix::fs::PermissionsExt as _;
    // A stand-in for `dot`: checks its argument, and wraps the DOT text it reads.
    let dir = std::env::temp_dir().join(format!("xacct-graph-dot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stub = dir.join("dot");
    std::fs::write(
        &stub,
        "#!/bin/sh\n[ \"$1\" = \"-Tsvg\" ] || exit 3\necho '<svg>'\ncat\necho '</svg>'\n",
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (code, stdout, stderr) = xacct(&["graph", CHAIN, "--format", "svg"], Some(&stub));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("<svg>\ndigraph xacct {"), "{stdout}");
    assert!(stdout.ends_with("}\n</svg>\n"), "{stdout}");

    // Real Graphviz, where it is installed.
    if Command::new("dot").arg("-V").output().is_ok() {
        let (code, stdout, stderr) = xacct(&["graph", CHAIN, "--format", "svg"], None);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("<svg"), "{stdout}");
    }
}

#[test]
fn graph_filters_keep_what_was_asked() {
    let (code, stdout, stderr) = xacct(
        &[
            "graph",
            CHAIN,
            "--from",
            "arn:aws:iam::111111111111:role/MyRoleA",
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("role MyRoleB"), "{stdout}");
    assert!(stdout.contains("bucket lake-b"), "{stdout}");
    assert!(!stdout.contains("databricks-cross-account"), "{stdout}");

    let (code, stdout, stderr) = xacct(&["graph", CHAIN, "--to", "lake-b"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("role MyRoleA"), "{stdout}");
    assert!(!stdout.contains("every principal"), "{stdout}");

    let (code, stdout, stderr) = xacct(&["graph", CHAIN, "--account", "222222222222"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("role MyRoleB"), "{stdout}");
    assert!(!stdout.contains("databricks-cross-account"), "{stdout}");

    let (code, _, stderr) = xacct(&["graph", CHAIN, "--to", "no-such-bucket"], None);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`--to no-such-bucket`: no role"),
        "{stderr}"
    );
}
