//! A hint for the maintainer, never a verdict: which files that import a
//! vulnerable package name its vulnerable symbols. A reference can hide
//! behind an interface or another package, and a name can match code that is
//! never run, so this only says where to look.

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
pub fn local_name(
    header: &crate::checks::build_constraints::Header,
    import_path: &str,
) -> Option<String> {
    match header.local_name(import_path)?.as_str() {
        "_" => None,
        "." => Some(String::new()),
        name => Some(name.to_string()),
    }
}

/// FNV-1a, 64 bits: names are hashed once and compared as numbers.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h = (h ^ u64::from(b'.')).wrapping_mul(0x0100_0000_01b3);
        }
        for &b in *part {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
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
/// symbols that matter to a release (hashes of the name after the last dot).
#[derive(Debug, Clone, Default)]
pub struct Interest(Hashes);

impl Interest {
    /// The exported names among `symbols`.
    pub fn of<'s>(symbols: impl IntoIterator<Item = &'s str>) -> Interest {
        Interest(
            symbols
                .into_iter()
                .filter(|s| exported(s))
                .map(|s| fnv(&[s.rsplit('.').next().unwrap_or(s).as_bytes()]))
                .collect(),
        )
    }

    /// Whether there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FileNames {
    /// Index the names of a Go file that `interest` lists; `None` when it
    /// names none of them.
    pub fn index_for(text: &[u8], interest: &Interest) -> Option<FileNames> {
        if interest.is_empty() {
            return None;
        }
        let all = FileNames::index_filtered(text, Some(interest));
        (!all.idents.is_empty()).then_some(all)
    }

    /// Index the text of a Go file.
    pub fn index(text: &[u8]) -> FileNames {
        FileNames::index_filtered(text, None)
    }

    fn index_filtered(text: &[u8], interest: Option<&Interest>) -> FileNames {
        let mut out = FileNames::default();
        let ident_start = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b >= 0x80;
        let ident_byte = |b: u8| ident_start(b) || b.is_ascii_digit();
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
            let hash = fnv(&[word]);
            if interest.is_some_and(|w| !w.0.contains(&hash)) {
                prev = Some((start, i));
                continue;
            }
            out.idents.insert(hash);
            if start > 0 && text[start - 1] == b'.' {
                out.members.insert(hash);
                if let Some((a, z)) = prev.filter(|&(_, z)| z + 1 == start) {
                    out.selectors.insert(fnv(&[&text[a..z], word]));
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
            Some((_, method)) => self.members.contains(&fnv(&[method.as_bytes()])),
            None if local.is_empty() => self.idents.contains(&fnv(&[symbol.as_bytes()])),
            None => self
                .selectors
                .contains(&fnv(&[local.as_bytes(), symbol.as_bytes()])),
        }
    }
}

/// Whether `text` (a Go file that imports `import_path`) names `symbol`.
pub fn names(text: &str, import_path: &str, symbol: &str) -> bool {
    let header = crate::checks::build_constraints::Header::parse(text.as_bytes());
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
}
