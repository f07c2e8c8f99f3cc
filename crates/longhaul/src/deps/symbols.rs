//! A hint for the maintainer, never a verdict: which files that import a
//! vulnerable package name its vulnerable symbols. A reference can hide
//! behind an interface or another package, and a name can match code that is
//! never run, so this only says where to look.

use crate::checks::build_constraints::Header;
use crate::hash::hash64;
use serde::Serialize;

/// Where a finding's symbols are named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymbolHint {
    /// `file: symbol` for each file that names one (at most [`MAX_FILES`]).
    pub named_in: Vec<NamedIn>,
    /// The exported symbols no importing file names.
    pub not_named: Vec<String>,
    /// Unexported symbols: only the package itself names them (reached, if
    /// at all, through its exported functions).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub internal: Vec<String>,
    /// How many importing files were read.
    pub files_read: usize,
    /// Whether every importing file was read (reading stops once every
    /// symbol is named and enough files are listed).
    pub complete: bool,
}

/// One file naming one symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedIn {
    /// The file, in the tree.
    pub file: String,
    /// The symbol, as the record writes it.
    pub symbol: String,
}

impl Default for SymbolHint {
    fn default() -> Self {
        SymbolHint {
            named_in: Vec::new(),
            not_named: Vec::new(),
            internal: Vec::new(),
            files_read: 0,
            complete: true,
        }
    }
}

/// At most this many files are listed per finding.
pub const MAX_FILES: usize = 10;

/// The name a file uses for `import_path` (from its header): `None` for a
/// blank (`_`) import, `Some("")` for a dot import.
pub fn local_name(header: &Header, import_path: &str) -> Option<String> {
    match header.local_name(import_path)?.as_str() {
        "_" => None,
        "." => Some(String::new()),
        name => Some(name.to_string()),
    }
}

/// A byte that can start a Go identifier (any non-ASCII byte counts: a hint).
fn ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// A byte that can continue a Go identifier.
fn ident_byte(b: u8) -> bool {
    ident_start(b) || b.is_ascii_digit()
}

/// A hasher for values that are hashes already.
#[derive(Default)]
struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Hashes = std::collections::HashSet<u64, std::hash::BuildHasherDefault<Identity>>;

/// The names a Go file uses, indexed once (as hashes): every identifier,
/// every `X.Name` selector and every `.Name` member. Strings and comments
/// are not skipped: this is a hint.
#[derive(Debug, Clone, Default)]
pub struct FileNames {
    idents: Hashes,
    selectors: Hashes,
    members: Hashes,
}

/// The names worth indexing: the functions and methods of the vulnerable
/// symbols that matter to a release (hashes of the name after the last dot),
/// and the packages they belong to (only files importing one are indexed).
#[derive(Debug, Clone, Default)]
pub struct Interest {
    names: Hashes,
    packages: std::collections::HashSet<String>,
}

impl Interest {
    /// The exported names among `symbols`, in `packages`.
    pub fn of<'s>(
        packages: impl IntoIterator<Item = &'s str>,
        symbols: impl IntoIterator<Item = &'s str>,
    ) -> Interest {
        Interest {
            names: symbols
                .into_iter()
                .filter(|s| exported(s))
                .map(|s| hash64(&[s.rsplit('.').next().unwrap_or(s).as_bytes()]))
                .collect(),
            packages: packages.into_iter().map(str::to_string).collect(),
        }
    }

    /// Whether there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether `package` is one of the packages of interest.
    pub fn has_package(&self, package: &str) -> bool {
        self.packages.contains(package)
    }

    /// Whether a file with `header` imports a package of interest.
    pub fn imported_by(&self, header: &Header) -> bool {
        header.imports.iter().any(|i| self.packages.contains(i))
    }
}

impl FileNames {
    /// Index the names of a Go file with `header` that `interest` lists;
    /// `None` when it names none of them. Unless the file dot-imports a
    /// package of interest, only names after a `.` can matter (`local.Func`,
    /// `.Method`): those are found from the dots, the rest is skipped.
    pub fn index_for(text: &[u8], header: &Header, interest: &Interest) -> Option<FileNames> {
        if interest.is_empty() {
            return None;
        }
        let dot_import = header
            .named
            .iter()
            .any(|(name, path)| name == "." && interest.has_package(path));
        let all = if dot_import {
            FileNames::index_filtered(text, Some(interest))
        } else {
            FileNames::index_after_dots(text, interest)
        };
        (!all.idents.is_empty()).then_some(all)
    }

    /// The names of `interest` that follow a `.`, with the word before the
    /// dot: what [`FileNames::index_filtered`] finds for them, reached by
    /// jumping from dot to dot.
    fn index_after_dots(text: &[u8], interest: &Interest) -> FileNames {
        use gix::bstr::ByteSlice;
        let mut out = FileNames::default();
        let mut from = 0;
        while let Some(at) = text[from..].find_byte(b'.') {
            let dot = from + at;
            from = dot + 1;
            if !text.get(from).is_some_and(u8::is_ascii_uppercase) {
                continue;
            }
            let end = from + text[from..].iter().take_while(|&&b| ident_byte(b)).count();
            let hash = hash64(&[&text[from..end]]);
            if interest.names.contains(&hash) {
                out.idents.insert(hash);
                out.members.insert(hash);
                // The word before the dot, as a forward scan reads it (a run
                // of identifier bytes, leading digits not part of it).
                let run = text[..dot]
                    .iter()
                    .rev()
                    .take_while(|&&b| ident_byte(b))
                    .count();
                let before = &text[dot - run..dot];
                let before = &before[before.iter().take_while(|b| b.is_ascii_digit()).count()..];
                if !before.is_empty() {
                    out.selectors.insert(hash64(&[before, &text[from..end]]));
                }
            }
            from = end;
        }
        out
    }

    /// Index the text of a Go file.
    pub fn index(text: &[u8]) -> FileNames {
        FileNames::index_filtered(text, None)
    }

    fn index_filtered(text: &[u8], interest: Option<&Interest>) -> FileNames {
        let mut out = FileNames::default();
        let (mut i, mut prev) = (0, None::<(usize, usize)>);
        while i < text.len() {
            if !ident_start(text[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < text.len() && ident_byte(text[i]) {
                i += 1;
            }
            let word = &text[start..i];
            // Vulnerable symbols worth a hint are exported: other words need no hash.
            let exported = text[start].is_ascii_uppercase();
            if !exported && interest.is_some() {
                prev = Some((start, i));
                continue;
            }
            let hash = hash64(&[word]);
            if interest.is_some_and(|w| !w.names.contains(&hash)) {
                prev = Some((start, i));
                continue;
            }
            out.idents.insert(hash);
            if start > 0 && text[start - 1] == b'.' {
                out.members.insert(hash);
                if let Some((a, z)) = prev.filter(|&(_, z)| z + 1 == start) {
                    out.selectors.insert(hash64(&[&text[a..z], word]));
                }
            }
            prev = Some((start, i));
        }
        out
    }

    /// Whether the file names `symbol` of a package it imports as `local`
    /// (`""`: a dot import): a function as `local.Func`, a method
    /// (`Type.Method`) as `.Method`.
    pub fn names(&self, local: &str, symbol: &str) -> bool {
        match symbol.split_once('.') {
            Some((_, method)) => self.members.contains(&hash64(&[method.as_bytes()])),
            None if local.is_empty() => self.idents.contains(&hash64(&[symbol.as_bytes()])),
            None => self
                .selectors
                .contains(&hash64(&[local.as_bytes(), symbol.as_bytes()])),
        }
    }
}

/// Whether `text` (a Go file that imports `import_path`) names `symbol`.
pub fn names(text: &str, import_path: &str, symbol: &str) -> bool {
    let header = Header::parse(text.as_bytes());
    local_name(&header, import_path)
        .is_some_and(|local| FileNames::index(text.as_bytes()).names(&local, symbol))
}

/// One importing file: its path, its names, and the name it gives the
/// package (`None`: a blank import).
pub type Importer = (String, std::rc::Rc<FileNames>, Option<String>);

/// Whether other packages can name `symbol`: its function or method name is
/// exported. An unexported symbol is reached only through the package's
/// own exported API, which no file outside it names.
pub fn exported(symbol: &str) -> bool {
    let name = symbol.rsplit('.').next().unwrap_or(symbol);
    name.chars().next().is_some_and(char::is_uppercase)
}

/// The hint for `symbols` over the files that import the package, read
/// lazily: reading stops once every exported symbol is named somewhere and
/// [`MAX_FILES`] files are listed.
pub fn hint(files: impl IntoIterator<Item = Importer>, symbols: &[String]) -> SymbolHint {
    let wanted: Vec<&String> = symbols.iter().filter(|s| exported(s)).collect();
    let mut found = vec![false; wanted.len()];
    let mut out = SymbolHint {
        internal: symbols.iter().filter(|s| !exported(s)).cloned().collect(),
        ..Default::default()
    };
    for (path, index, local) in files {
        if found.iter().all(|f| *f) && out.named_in.len() >= MAX_FILES {
            out.complete = false;
            break;
        }
        out.files_read += 1;
        let Some(local) = local else { continue };
        for (i, symbol) in wanted.iter().enumerate() {
            if index.names(&local, symbol) {
                found[i] = true;
                if out.named_in.len() < MAX_FILES {
                    out.named_in.push(NamedIn {
                        file: path.clone(),
                        symbol: symbol.to_string(),
                    });
                }
            }
        }
    }
    out.not_named = wanted
        .iter()
        .zip(&found)
        .filter(|(_, f)| !**f)
        .map(|(s, _)| s.to_string())
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        let f = "package a\n\nimport (\n\t\"fmt\"\n\tlang \"golang.org/x/text/language\"\n\t_ \"net/http/pprof\"\n\t\"gopkg.in/yaml.v2\"\n\t\"github.com/x/y/v3\"\n\t\"golang.org/x/net/http2\"\n)\n\nfunc f() { t := lang.MustParse(\"en\"); srv.ServeConn(c); yaml.Unmarshal(b, &v); y.Do() }\n";
        let h = crate::checks::build_constraints::Header::parse(f.as_bytes());
        assert_eq!(
            local_name(&h, "golang.org/x/text/language").as_deref(),
            Some("lang")
        );
        assert_eq!(local_name(&h, "fmt").as_deref(), Some("fmt"));
        assert_eq!(local_name(&h, "net/http/pprof"), None);
        assert_eq!(local_name(&h, "gopkg.in/yaml.v2").as_deref(), Some("yaml"));
        assert_eq!(local_name(&h, "github.com/x/y/v3").as_deref(), Some("y"));
        assert_eq!(local_name(&h, "os"), None, "not imported");
        assert!(names(f, "golang.org/x/text/language", "MustParse"));
        assert!(
            !names(f, "golang.org/x/text/language", "Parse"),
            "MustParse is not Parse"
        );
        assert!(names(f, "golang.org/x/net/http2", "Server.ServeConn"));
        assert!(
            !names(f, "golang.org/x/net/http2", "Server.Serve"),
            ".ServeConn is not .Serve"
        );
        assert!(names(f, "gopkg.in/yaml.v2", "Unmarshal"));
        let local = local_name(&h, "golang.org/x/text/language");
        let h = hint(
            [(
                "a/a.go".to_string(),
                std::rc::Rc::new(FileNames::index(f.as_bytes())),
                local,
            )],
            &["MustParse".into(), "MatchStrings".into(), "parse".into()],
        );
        assert_eq!(h.internal, ["parse"]);
        assert!(h.complete);
        assert_eq!(
            h.named_in,
            [NamedIn {
                file: "a/a.go".into(),
                symbol: "MustParse".into()
            }]
        );
        assert_eq!(h.not_named, ["MatchStrings"]);
    }

    #[test]
    fn the_dot_index_answers_as_the_full_index() {
        let f = "package a\n\nimport (\n\tx1 \"golang.org/x/net/http2\"\n\t\"net/http\"\n)\n\nfunc f() { x1.ConfigureServer(s, nil); v.ServeConn(c); 9x.Handle(); http.ListenAndServe(a, h); _ = \u{e9}t\u{e9}.Serve }\n";
        let h = crate::checks::build_constraints::Header::parse(f.as_bytes());
        let symbols = [
            "ConfigureServer",
            "Server.ServeConn",
            "Handle",
            "ListenAndServe",
            "Serve",
        ];
        let interest = Interest::of(["golang.org/x/net/http2", "net/http"], symbols);
        let fast = FileNames::index_for(f.as_bytes(), &h, &interest).expect("names some");
        let full = FileNames::index(f.as_bytes());
        for local in ["x1", "http", "x", "9x", "v", "\u{e9}t\u{e9}", ""] {
            for symbol in symbols.iter().chain(&["Server.Serve", "Other"]) {
                if local.is_empty() {
                    continue; // no dot import here: bare names are not indexed
                }
                assert_eq!(
                    fast.names(local, symbol),
                    full.names(local, symbol),
                    "{local}.{symbol}"
                );
            }
        }
        assert!(fast.names("x1", "ConfigureServer"));
        assert!(fast.names("x", "Handle"), "as a forward scan reads `9x`");
        let dot = "package a\n\nimport . \"net/http\"\n\nfunc f() { ListenAndServe(a, h) }\n";
        let h = crate::checks::build_constraints::Header::parse(dot.as_bytes());
        let names = FileNames::index_for(dot.as_bytes(), &h, &interest).expect("dot import");
        assert!(names.names("", "ListenAndServe"));
    }
}
