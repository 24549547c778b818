//! docs/library.md lists every public item of the crate, and nothing else.
//!
//! The crate denies `unreachable_pub`, so every bare `pub` in `src/` is reachable by a
//! library user. This test reads `src/` with `syn` from `lib.rs` down: an item is public
//! when it is declared `pub` in a module whose path from the crate root is all `pub`, or
//! named by a `pub use` there; a `pub` method is public under its type's public path(s).
//! Types are found by name, which is unambiguous because no two public types share one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use syn::{ImplItem, Item, UseTree, Visibility};

/// The public paths of the crate, from its source.
fn public_paths() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Found::default();
    module(
        &root.join("lib.rs"),
        &root,
        &["herald".to_string()],
        true,
        &mut found,
    );
    let mut paths = found.items.clone();
    for (type_name, method) in &found.methods {
        // A method is listed under its type's definition; under a re-export only when
        // the definition's own path is not public.
        let named = |p: &&String| p.rsplit("::").next() == Some(type_name.as_str());
        let mut owners: Vec<&String> = found.defined.iter().filter(named).collect();
        if owners.is_empty() {
            owners = found.items.iter().filter(named).collect();
            // A type re-exported both in its module and at the root (`herald::Config`)
            // lists its methods under its module's path only.
            if owners.iter().any(|p| p.matches("::").count() > 1) {
                owners.retain(|p| p.matches("::").count() > 1);
            }
        }
        for owner in owners {
            paths.insert(format!("{owner}::{method}"));
        }
    }
    paths
}

#[derive(Default)]
struct Found {
    /// Items (and re-exports) in public modules.
    items: BTreeSet<String>,
    /// Of those, the items defined where they are (not re-exported).
    defined: BTreeSet<String>,
    /// `pub` methods and associated consts: (type name, name).
    methods: Vec<(String, String)>,
}

/// Reads the module in `file` (whose child modules' files are under `dir`).
fn module(file: &Path, dir: &Path, path: &[String], public: bool, found: &mut Found) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    items(&parsed.items, dir, path, public, found);
}

fn items(list: &[Item], dir: &Path, path: &[String], public: bool, found: &mut Found) {
    let item_path = |name: &str| {
        let mut full = path.to_vec();
        full.push(name.to_string());
        full.join("::")
    };
    for item in list {
        if cfg_test(item_attrs(item)) {
            continue;
        }
        match item {
            Item::Mod(m) => {
                let name = m.ident.to_string();
                let child_public = public && is_pub(&m.vis);
                if child_public {
                    found.items.insert(item_path(&name));
                }
                let mut child_path = path.to_vec();
                child_path.push(name.clone());
                let child_dir = dir.join(&name);
                match &m.content {
                    Some((_, inline)) => {
                        items(inline, &child_dir, &child_path, child_public, found)
                    }
                    None => {
                        let file = [dir.join(format!("{name}.rs")), child_dir.join("mod.rs")]
                            .into_iter()
                            .find(|f| f.is_file())
                            .unwrap_or_else(|| {
                                panic!("no file for module {}", child_path.join("::"))
                            });
                        module(&file, &child_dir, &child_path, child_public, found);
                    }
                }
            }
            Item::Use(u) if public && is_pub(&u.vis) => {
                for name in use_names(&u.tree) {
                    found.items.insert(item_path(&name));
                }
            }
            Item::Impl(imp) if imp.trait_.is_none() => {
                let syn::Type::Path(ty) = &*imp.self_ty else {
                    continue;
                };
                let type_name = ty
                    .path
                    .segments
                    .last()
                    .expect("a type name")
                    .ident
                    .to_string();
                for member in &imp.items {
                    let (vis, name) = match member {
                        ImplItem::Fn(f) => (&f.vis, f.sig.ident.to_string()),
                        ImplItem::Const(c) => (&c.vis, c.ident.to_string()),
                        _ => continue,
                    };
                    if is_pub(vis) {
                        found.methods.push((type_name.clone(), name));
                    }
                }
            }
            _ => {
                if let Some((vis, name)) = named(item)
                    && public
                    && is_pub(vis)
                {
                    found.items.insert(item_path(&name));
                    found.defined.insert(item_path(&name));
                }
            }
        }
    }
}

/// The visibility and name of an item that has both.
fn named(item: &Item) -> Option<(&Visibility, String)> {
    Some(match item {
        Item::Fn(i) => (&i.vis, i.sig.ident.to_string()),
        Item::Struct(i) => (&i.vis, i.ident.to_string()),
        Item::Enum(i) => (&i.vis, i.ident.to_string()),
        Item::Trait(i) => (&i.vis, i.ident.to_string()),
        Item::Const(i) => (&i.vis, i.ident.to_string()),
        Item::Static(i) => (&i.vis, i.ident.to_string()),
        Item::Type(i) => (&i.vis, i.ident.to_string()),
        Item::Union(i) => (&i.vis, i.ident.to_string()),
        _ => return None,
    })
}

fn item_attrs(item: &Item) -> &[syn::Attribute] {
    match item {
        Item::Mod(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Const(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        _ => &[],
    }
}

/// `#[cfg(test)]`: not in the library a user builds.
fn cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|arg| arg == "test")
    })
}

/// Bare `pub` (not `pub(crate)`, `pub(super)` …).
fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// The names a `use` tree brings in.
fn use_names(tree: &UseTree) -> Vec<String> {
    match tree {
        UseTree::Path(p) => use_names(&p.tree),
        UseTree::Name(n) => vec![n.ident.to_string()],
        UseTree::Rename(r) => vec![r.rename.to_string()],
        UseTree::Group(g) => g.items.iter().flat_map(use_names).collect(),
        UseTree::Glob(_) => panic!("a public glob re-export: list its items instead"),
    }
}

/// The paths docs/library.md lists under "## Every public item".
fn documented_paths() -> BTreeSet<String> {
    let file: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/library.md");
    let text = std::fs::read_to_string(&file).expect("docs/library.md");
    let section = text
        .split("\n## Every public item\n")
        .nth(1)
        .expect("docs/library.md has a section \"## Every public item\"");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .map(|rest| rest.split('`').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn docs_library_md_lists_exactly_the_public_items() {
    let public = public_paths();
    let documented = documented_paths();
    let undocumented: Vec<&String> = public.difference(&documented).collect();
    let not_public: Vec<&String> = documented.difference(&public).collect();
    assert!(
        undocumented.is_empty() && not_public.is_empty(),
        "docs/library.md and the crate differ.\n\
         public but not in docs/library.md (add a line `- `path`: what it is`, or make it pub(crate)):\n  {}\n\
         in docs/library.md but not public (remove the line, or fix the path):\n  {}",
        undocumented
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
        not_public
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
    );
}

#[test]
fn the_source_reader_sees_the_items_it_must() {
    // Guards against a reader that finds nothing (and so agrees with an empty list).
    let public = public_paths();
    for path in [
        "herald::Config",
        "herald::config::Config::load",
        "herald::content::load",
        "herald::newsletter::send",
    ] {
        assert!(public.contains(path), "{path} not found among {public:#?}");
    }
    assert!(
        !public.contains("herald::store::Store::path"),
        "pub(crate) is not public"
    );
}
