#!/usr/bin/env python3
"""Rebuilds the seed corpora of load_scenario/, import_export/ and render_plan/ under
fuzz/corpus/.

load_scenario/: every examples/**/xacct.toml with the files it names appended after
`\\n%%FILE\\n` separators and its paths rewritten to f0.json, f1.json, ... (the layout
fuzz/src/world.rs reads). import_export/: every export fixture of crates/xacct-world/tests.
render_plan/: the lines fuzz/src/plan.rs reads, from src/plan_seeds below. Files whose name
starts with `broken-` are written by hand and left alone.
"""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
SEPARATOR = "\n%%FILE\n"
MAX_FILES = 8

PLAN_SEEDS = {
    "plain": ["etl reads sales", "lake-b", "sales/", "MyRoleB", "none", "read-write", "assume-role", "A"],
    "read-only": ["reader", "lake-b", "", "Reader", "generate", "read", "assume-role", "A"],
    "resource-policy": ["direct", "lake-b", "x/", "R", "none", "write", "resource-policy", "A"],
    "external-id": ["with id", "lake-b", "sales/", "MyRoleB", "id-123", "read", "assume-role", "A"],
    "shell": ["$(touch PWNED)", "lake-b;touch PWNED;", "`id`/", "R'x", "a\"b", "read", "assume-role", "A;B"],
    "newlines": ["a\\nresource \"x\" \"y\" {}", "lake-b", "p\\n/", "R", "${var.x}", "read", "assume-role", "#"],
    "unicode": ["édition ☃", "lake-b", "données/", "Rôle", "none", "read", "assume-role", "Ü"],
    "empty": [],
    "long-name": ["n" * 300, "lake-b", "sales/", "R" * 70, "none", "read", "assume-role", "A"],
    "upper-bucket": ["x", "Lake_B", "sales/", "R", "none", "read", "assume-role", "A"],
    "short-bucket": ["x", "lb", "", "R", "none", "read", "assume-role", "A"],
    "dotted-bucket": ["x", "lake.b.example", "a/b/c/", "R", "none", "read-write", "assume-role", "A"],
    "role-path": ["x", "lake-b", "sales/", "team/R", "none", "read", "assume-role", "A"],
    "bad-route": ["x", "lake-b", "sales/", "R", "none", "read", "lake-formation", "A"],
    "bad-access": ["x", "lake-b", "sales/", "R", "none", "admin", "assume-role", "A"],
    "tabs": ["a\tb", "lake-b", "s\tp/", "R", "i\td", "read", "assume-role", "\t"],
    "controls": ["\u0001\u007f", "lake-b", "\u0000/", "R", "\u001b[31m", "read", "assume-role", "A"],
    "quotes": ["'\"'\"", "lake-b", "'/", "R\"", "'", "write", "resource-policy", "\""],
    "wildcards": ["*", "lake-b", "*/?/", "R*", "*", "read", "assume-role", "*"],
    "only-name": ["just a name"],
    "percent": ["%s %n %x", "lake-b", "%2F/", "R", "%00", "read", "assume-role", "%"],
}


def scenario_seed(manifest):
    text = manifest.read_text()
    names = []
    for match in re.finditer(r'"([^"\n]+\.json)"', text):
        if match.group(1) not in names:
            names.append(match.group(1))
    names = names[:MAX_FILES]
    parts = []
    for index, name in enumerate(names):
        text = text.replace(f'"{name}"', f'"f{index}.json"')
        path = (manifest.parent / name).resolve()
        parts.append(path.read_text() if path.is_file() else "")
    return text + "".join(SEPARATOR + part for part in parts)


def clean(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if not old.name.startswith("broken-"):
            old.unlink()


def main():
    scenarios = OUT / "load_scenario"
    clean(scenarios)
    for manifest in sorted(ROOT.glob("examples/**/xacct.toml")):
        name = "-".join(manifest.relative_to(ROOT / "examples").parent.parts) or "root"
        (scenarios / f"{name}.toml").write_text(scenario_seed(manifest))

    exports = OUT / "import_export"
    clean(exports)
    fixtures = ROOT / "crates" / "xacct-world" / "tests" / "fixtures"
    for export in sorted(fixtures.glob("**/*.json")):
        name = "-".join(export.relative_to(fixtures).parts)
        (exports / name).write_bytes(export.read_bytes())

    plans = OUT / "render_plan"
    clean(plans)
    for name, lines in PLAN_SEEDS.items():
        text = "\n".join(line.encode().decode("unicode_escape") for line in lines)
        (plans / f"{name}.txt").write_text(text)


if __name__ == "__main__":
    main()
