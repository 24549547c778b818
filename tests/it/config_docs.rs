//! The configuration docs cannot drift from the code: every key of the schema, as
//! serde reads it (traced with serde-reflection from `Config`'s own `Deserialize`), is
//! in `docs/configuration.md` and in the commented `herald.yaml` that `herald init`
//! writes, and that file loads.

use std::collections::BTreeSet;

use serde_reflection::{ContainerFormat, Format, Registry, Tracer, TracerConfig};

/// Every key of `herald.yaml` as a dotted path (`newsletter.dkim.selector`), sections
/// included, from the schema's `Deserialize` impls.
fn schema_keys() -> BTreeSet<String> {
    // Non-zero numbers (`feeds.archive_page_size`) refuse the tracer's default 0.
    let config = TracerConfig::default()
        .default_u64_value(1)
        .default_u32_value(1);
    let mut tracer = Tracer::new(config);
    let (root, _) = tracer
        .trace_simple_type::<herald::Config>()
        .expect("tracing Config");
    // Only structs matter here; enums inside std types (`SocketAddr`) may stay partial.
    let registry = tracer.registry_unchecked();
    let mut keys = BTreeSet::new();
    walk(&registry, &root, "", &mut keys);
    keys
}

/// Adds the fields of the struct `format` names (through `Option`s), under `prefix`.
fn walk(registry: &Registry, format: &Format, prefix: &str, keys: &mut BTreeSet<String>) {
    let name = match format {
        Format::Option(inner) => return walk(registry, inner, prefix, keys),
        Format::TypeName(name) => name,
        _ => return,
    };
    let Some(ContainerFormat::Struct(fields)) = registry.get(name) else {
        return;
    };
    for field in fields {
        let key = if prefix.is_empty() {
            field.name.clone()
        } else {
            format!("{prefix}.{}", field.name)
        };
        walk(registry, &field.value, &key, keys);
        keys.insert(key);
    }
}

/// The keys of a commented YAML template: a `key:` line, set or commented out
/// (`# key:`), at its indentation, and whether a comment documents it (a comment line
/// just above, or one after the value).
fn template_keys(text: &str) -> Vec<(String, bool, usize)> {
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut keys = Vec::new();
    let mut comment_above = false;
    for (index, line) in text.lines().enumerate() {
        let lead = line.len() - line.trim_start().len();
        let rest = &line[lead..];
        let (indent, body) = match rest.strip_prefix('#') {
            Some(after) => {
                let after = after.strip_prefix(' ').unwrap_or(after);
                let inner = after.len() - after.trim_start().len();
                (lead + inner, after.trim_start())
            }
            None => (lead, rest),
        };
        let key = body.split_once(':').filter(|(k, v)| {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && (v.is_empty() || v.starts_with(' '))
        });
        match key {
            Some((key, value)) if !body.is_empty() => {
                while stack.last().is_some_and(|(i, _)| *i >= indent) {
                    stack.pop();
                }
                let path = stack
                    .iter()
                    .map(|(_, k)| k.as_str())
                    .chain([key])
                    .collect::<Vec<_>>()
                    .join(".");
                let trailing = value.contains(" # ");
                keys.push((path.clone(), comment_above || trailing, index + 1));
                stack.push((indent, key.to_string()));
                comment_above = false;
            }
            _ => comment_above = rest.starts_with('#') && !body.is_empty(),
        }
    }
    keys
}

#[test]
fn every_schema_key_is_in_docs_configuration_md() {
    let keys = schema_keys();
    assert!(
        keys.contains("newsletter.dkim.selector"),
        "the trace missed Option sections: {keys:?}"
    );
    assert!(
        keys.contains("smtp.ca_file") && keys.contains("serve.listen"),
        "{keys:?}"
    );
    let docs_path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/configuration.md");
    let docs = std::fs::read_to_string(docs_path).expect("docs/configuration.md");
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !docs.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/configuration.md does not document these keys (write each as `full.dotted.path` with its default and an example): {missing:?}"
    );
}

#[test]
fn init_writes_a_herald_yaml_that_loads_and_documents_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let run = crate::support::Run::of({
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_herald"));
        command.arg("init").current_dir(dir.path());
        command
    });
    run.expect_code(0);
    let path = dir.path().join("herald.yaml");
    herald::Config::load(&path).unwrap_or_else(|e| panic!("init's herald.yaml does not load: {e}"));
    let text = std::fs::read_to_string(&path).unwrap();
    let found = template_keys(&text);
    let schema = schema_keys();
    let present: BTreeSet<&str> = found.iter().map(|(k, _, _)| k.as_str()).collect();
    let missing: Vec<&String> = schema
        .iter()
        .filter(|k| !present.contains(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "`herald init`'s herald.yaml (src/cli/init/herald.yaml) lacks these keys (add each, set or commented out as `# key: default`, under a comment line): {missing:?}"
    );
    let unknown: Vec<&str> = present
        .iter()
        .copied()
        .filter(|k| !schema.contains(*k))
        .collect();
    assert!(
        unknown.is_empty(),
        "init's herald.yaml shows keys the schema does not have: {unknown:?}"
    );
    let undocumented: Vec<String> = found
        .iter()
        .filter(|(_, documented, _)| !documented)
        .map(|(k, _, line)| format!("{k} (line {line})"))
        .collect();
    assert!(
        undocumented.is_empty(),
        "keys without a comment line in init's herald.yaml: {undocumented:?}"
    );
}

#[test]
fn the_template_reader_sees_set_commented_and_nested_keys() {
    let text = "# about a\na: 1\n# about b\nb:\n  # about c\n  # c: 2\n  d: 3\n# e:\n#   # about f\n#   f: 4\n";
    let keys: Vec<(String, bool)> = template_keys(text)
        .into_iter()
        .map(|(k, d, _)| (k, d))
        .collect();
    assert_eq!(
        keys,
        [
            ("a".to_string(), true),
            ("b".to_string(), true),
            ("b.c".to_string(), true),
            ("b.d".to_string(), false),
            ("e".to_string(), false),
            ("e.f".to_string(), true),
        ]
    );
}

/// The smallest valid config, plus `extra` (top-level YAML), loaded; its `Debug` text is
/// every value the code holds, defaults included.
fn loaded(extra: &serde_yaml::Value) -> Result<String, String> {
    let mut yaml: serde_yaml::Mapping =
        serde_yaml::from_str("site:\n  title: T\n  url: https://example.com/\n  description: D\n")
            .unwrap();
    merge(&mut yaml, extra);
    let text = serde_yaml::to_string(&yaml).unwrap();
    herald::Config::from_yaml(text.as_bytes(), std::path::Path::new("herald.yaml"))
        .map(|config| format!("{config:?}"))
        .map_err(|e| e.to_string())
}

fn merge(into: &mut serde_yaml::Mapping, extra: &serde_yaml::Value) {
    let Some(extra) = extra.as_mapping() else {
        return;
    };
    for (key, value) in extra {
        match (into.get_mut(key), value) {
            (Some(serde_yaml::Value::Mapping(inner)), serde_yaml::Value::Mapping(_)) => {
                merge(inner, value)
            }
            _ => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

/// `a.b.c` set to the YAML `value`, as a nested mapping.
fn nested(key: &str, value: &str) -> serde_yaml::Value {
    let mut value: serde_yaml::Value = serde_yaml::from_str(value).unwrap_or_else(|e| {
        panic!("{key}: the default {value:?} is not YAML: {e}");
    });
    for part in key.rsplit('.') {
        let mut map = serde_yaml::Mapping::new();
        map.insert(part.into(), value);
        value = map.into();
    }
    value
}

/// Sections whose keys only load beside a required sibling: that sibling is set both
/// with and without the key under test.
const SIBLINGS: &[(&str, &str)] = &[
    ("smtp.", "smtp:\n  url: smtp://localhost:25\n"),
    (
        "newsletter.theme.logo.",
        "newsletter:\n  theme:\n    logo:\n      url: /logo.png\n      alt: Logo\n",
    ),
];

/// Setting `key` to `value` must change nothing: `value` is the code's default.
fn assert_default(key: &str, value: &str, said_by: &str) {
    let base: serde_yaml::Value = SIBLINGS
        .iter()
        .find(|(prefix, _)| key.starts_with(prefix))
        .map(|(_, yaml)| serde_yaml::from_str(yaml).unwrap())
        .unwrap_or_default();
    let without = loaded(&base).unwrap_or_else(|e| panic!("{key}: the base config fails: {e}"));
    let mut with = base.clone();
    if let Some(map) = with.as_mapping_mut() {
        merge(map, &nested(key, value));
    } else {
        with = nested(key, value);
    }
    let with =
        loaded(&with).unwrap_or_else(|e| panic!("{said_by}: `{key}: {value}` does not load: {e}"));
    assert_eq!(
        without, with,
        "{said_by} says `{key}: {value}` is the default, but the code's default differs"
    );
}

/// The defaults' values (not only the keys) agree between the code, the `# key: value`
/// lines of `herald init`'s herald.yaml (which say "the default applies") and the
/// default column of docs/configuration.md: setting each to the value shown changes
/// nothing in the loaded config.
#[test]
fn default_values_agree_between_code_init_template_and_docs() {
    // docs/configuration.md: every row whose default is one backticked value.
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/configuration.md"
    ))
    .unwrap();
    let mut checked_docs = 0;
    for line in docs.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, key, default, ..] = cells.as_slice() else {
            continue;
        };
        let (Some(key), Some(default)) = (
            key.strip_prefix('`').and_then(|k| k.strip_suffix('`')),
            default.strip_prefix('`').and_then(|d| d.split_once('`')),
        ) else {
            continue;
        };
        if key.starts_with("HERALD_") || key.contains(' ') {
            continue;
        }
        assert_default(key, default.0, "docs/configuration.md");
        checked_docs += 1;
    }
    assert!(
        checked_docs >= 30,
        "only {checked_docs} defaults read from the docs"
    );

    // init's template: every commented-out `# key: value` line is a default.
    let template = include_str!("../../src/cli/init/herald.yaml");
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut checked_template = 0;
    for line in template.lines() {
        let Some(after) = line.trim_start().strip_prefix("# ") else {
            // A set key opens a section (or is a value the template sets on purpose).
            let indent = line.len() - line.trim_start().len();
            if let Some((key, rest)) = line.trim().split_once(':')
                && !line.trim_start().starts_with('#')
                && rest.trim().is_empty()
            {
                stack.retain(|(i, _)| *i < indent);
                stack.push((indent, key.to_string()));
            }
            continue;
        };
        let indent = line.len() - line.trim_start().len();
        let Some((key, value)) = after.split_once(": ") else {
            continue;
        };
        if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = value.split(" # ").next().unwrap().trim();
        stack.retain(|(i, _)| *i < indent);
        let path = stack
            .iter()
            .map(|(_, k)| k.as_str())
            .chain([key])
            .collect::<Vec<_>>()
            .join(".");
        let documented_default = docs
            .lines()
            .find(|l| l.starts_with(&format!("| `{path}` | `")))
            .is_some();
        // Examples of keys without a default (`# author: Jane Doe`) are not defaults.
        if documented_default {
            assert_default(&path, value, "src/cli/init/herald.yaml");
            checked_template += 1;
        }
    }
    assert!(
        checked_template >= 10,
        "only {checked_template} commented defaults read from init's herald.yaml"
    );
}
