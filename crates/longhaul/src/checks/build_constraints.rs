//! Go build constraints: which `.go` files a build for one GOOS/GOARCH sees.
//!
//! The rules of `go/build`: a file name's `_GOOS`, `_GOARCH` and
//! `_GOOS_GOARCH` suffixes, and the constraint lines in the header before the
//! `package` clause: a `//go:build` expression, or (when there is none) every
//! `// +build` line, all of which must hold.

use serde::Serialize;

/// Operating systems `go/build` knows (file-name suffixes name only these).
const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// Architectures `go/build` knows.
const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The systems the `unix` tag stands for.
const UNIX_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "linux",
    "netbsd",
    "openbsd",
    "solaris",
];

/// What a build targets: the tags a constraint may test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// GOOS, e.g. `linux`.
    pub goos: String,
    /// GOARCH, e.g. `amd64`.
    pub goarch: String,
    /// Whether cgo is enabled (the `cgo` tag, and files that `import "C"`).
    pub cgo: bool,
    /// The newest Go minor whose release tags hold (`go1.1` … `go1.N`).
    pub go_minor: u32,
    /// Extra `-tags`.
    pub tags: Vec<String>,
}

impl Default for Target {
    /// linux/amd64 with cgo, as a native build on a Linux machine sees it, for
    /// a Go new enough that every `go1.N` tag in old trees holds.
    fn default() -> Self {
        Target {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo: true,
            go_minor: 99,
            tags: Vec::new(),
        }
    }
}

impl Target {
    /// Whether the single tag `tag` holds.
    pub fn has_tag(&self, tag: &str) -> bool {
        if tag == self.goos || tag == self.goarch || tag == "gc" {
            return true;
        }
        match tag {
            "cgo" => return self.cgo,
            "unix" => return UNIX_OS.contains(&self.goos.as_str()),
            // GOOS=android also matches linux, illumos solaris, ios darwin.
            "linux" => return self.goos == "android",
            "solaris" => return self.goos == "illumos",
            "darwin" => return self.goos == "ios",
            _ => {}
        }
        if let Some(minor) = tag.strip_prefix("go1.")
            && let Ok(minor) = minor.parse::<u32>()
        {
            return minor >= 1 && minor <= self.go_minor;
        }
        self.tags.iter().any(|t| t == tag)
    }

    /// Whether a file named `name` (no folder) passes the `_GOOS`/`_GOARCH`
    /// suffix rule.
    pub fn matches_file_name(&self, name: &str) -> bool {
        let stem = name.split('.').next().unwrap_or(name);
        let Some(i) = stem.find('_') else {
            return true;
        };
        let mut parts: Vec<&str> = stem[i..].split('_').collect();
        if parts.last() == Some(&"test") {
            parts.pop();
        }
        let n = parts.len();
        if n >= 2 && KNOWN_OS.contains(&parts[n - 2]) && KNOWN_ARCH.contains(&parts[n - 1]) {
            return self.has_tag(parts[n - 2]) && self.has_tag(parts[n - 1]);
        }
        if n >= 1 && (KNOWN_OS.contains(&parts[n - 1]) || KNOWN_ARCH.contains(&parts[n - 1])) {
            return self.has_tag(parts[n - 1]);
        }
        true
    }

    /// Whether the header's constraint lines hold: the `//go:build` line when
    /// there is one, else every `// +build` line. An expression that does not
    /// parse excludes the file, as `go build` refuses it.
    pub fn matches_constraints(&self, header: &Header) -> bool {
        if let Some(expr) = &header.go_build {
            return Expr::parse(expr).is_some_and(|e| e.eval(self));
        }
        header.plus_build.iter().all(|line| {
            // Options separated by spaces: any holds; terms separated by commas: all.
            line.split_whitespace().any(|option| {
                option.split(',').all(|term| match term.strip_prefix('!') {
                    Some(t) => !t.is_empty() && !t.starts_with('!') && !self.has_tag(t),
                    None => self.has_tag(term),
                })
            })
        })
    }
}

/// What the start of a Go file says: constraints, package name, imports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// The `//go:build` expression.
    pub go_build: Option<String>,
    /// Each `// +build` line's text after `+build`.
    pub plus_build: Vec<String>,
    /// The package clause's name (empty when the file has none).
    pub package: String,
    /// Import paths, in order.
    pub imports: Vec<String>,
    /// Imports with an explicit name (`name "path"`, `_`, `.`): name and path.
    pub named: Vec<(String, String)>,
}

impl Header {
    /// Read the header of a Go source file: the leading comments, the package
    /// clause and the import declarations (stops at the first other declaration).
    pub fn parse(src: &[u8]) -> Header {
        // Valid UTF-8 (nearly every file) is checked on the fast path.
        let text = match std::str::from_utf8(src) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(src),
        };
        let mut header = Header::default();
        let mut lexer = Lexer::new(&text);
        if !header.read_package_clause(&mut lexer) {
            return header;
        }
        header.plus_build = plus_build_lines(text.as_ref());
        header.read_imports(&mut lexer);
        header
    }

    /// The leading comments (keeping the first `//go:build`) up to and with the
    /// package clause; false when something else comes first.
    fn read_package_clause(&mut self, lexer: &mut Lexer) -> bool {
        loop {
            match lexer.next() {
                Some(Token::LineComment(c)) => {
                    let c = c.trim_end();
                    if let Some(expr) = c.strip_prefix("//go:build")
                        && (expr.is_empty() || expr.starts_with([' ', '\t']))
                    {
                        self.go_build.get_or_insert_with(|| expr.trim().to_string());
                    }
                }
                Some(Token::BlankLine) | Some(Token::BlockComment) => {}
                Some(Token::Word("package")) => {
                    if let Some(Token::Word(name)) = lexer.next() {
                        self.package = name.to_string();
                    }
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// The import declarations after the package clause, up to the first
    /// other declaration.
    fn read_imports(&mut self, lexer: &mut Lexer) {
        loop {
            match lexer.next() {
                Some(Token::Word(";"))
                | Some(Token::LineComment(_))
                | Some(Token::BlockComment)
                | Some(Token::BlankLine) => {}
                Some(Token::Word("import")) => match lexer.next() {
                    Some(Token::Word("(")) => self.read_import_group(lexer),
                    Some(Token::Str(path)) => self.imports.push(path),
                    Some(Token::Word(w)) => {
                        if let Some(Token::Str(path)) = lexer.next() {
                            self.import(Some(w.to_string()), path);
                        }
                    }
                    _ => return,
                },
                _ => return,
            }
        }
    }

    /// The imports of `import ( … )`, after its `(`.
    fn read_import_group(&mut self, lexer: &mut Lexer) {
        let mut name = None;
        loop {
            match lexer.next() {
                Some(Token::Word(")")) | None => break,
                Some(Token::Str(path)) => self.import(name.take(), path),
                Some(Token::Word(w)) => name = Some(w.to_string()),
                _ => {}
            }
        }
    }
}

impl Header {
    fn import(&mut self, name: Option<String>, path: String) {
        if let Some(name) = name {
            self.named.push((name, path.clone()));
        }
        self.imports.push(path);
    }

    /// The name this file gives the package it imports from `path`: its
    /// explicit name, else the package's usual name (the last element of the
    /// path, without a `/vN` or `.vN` suffix). `_` for a blank import, `.`
    /// for a dot import.
    pub fn local_name(&self, path: &str) -> Option<String> {
        if !self.imports.iter().any(|i| i == path) {
            return None;
        }
        if let Some((name, _)) = self.named.iter().find(|(_, p)| p == path) {
            return Some(name.clone());
        }
        let mut parts: Vec<&str> = path.split('/').collect();
        let is_major = |e: &str| {
            e.strip_prefix('v')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        if parts.len() > 1 && parts.last().is_some_and(|l| is_major(l)) {
            parts.pop();
        }
        let last = parts.last().copied().unwrap_or(path);
        let last = match last.rsplit_once(".v") {
            Some((name, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => last,
        };
        Some(last.replace('-', "_"))
    }
}

/// The `+build` lines of a file, as go/build finds them: in the leading run
/// of `//` comments and blank lines, up to the last blank line of that run (a
/// `+build` line right above the package clause is documentation).
fn plus_build_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cut = 0;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            cut = lines.len();
            continue;
        }
        if !t.starts_with("//") {
            break;
        }
        lines.push(t);
    }
    lines[..cut]
        .iter()
        .filter_map(|l| {
            let tags = l.strip_prefix("//")?.trim_start().strip_prefix("+build")?;
            (tags.is_empty() || tags.starts_with([' ', '\t'])).then(|| tags.trim().to_string())
        })
        .collect()
}

/// Tokens of a Go file's header, as much as the header needs.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    LineComment(&'a str),
    BlockComment,
    BlankLine,
    Str(String),
    Word(&'a str),
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Whether the current line has had a token yet (for blank lines).
    line_has_token: bool,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            text,
            pos: 0,
            line_has_token: false,
        }
    }

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.text.as_bytes();
        loop {
            let b = *bytes.get(self.pos)?;
            match b {
                b'\n' => {
                    self.pos += 1;
                    if !self.line_has_token {
                        return Some(Token::BlankLine);
                    }
                    self.line_has_token = false;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                _ => break,
            }
        }
        self.line_has_token = true;
        let rest = &self.text[self.pos..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            self.pos += end;
            return Some(Token::LineComment(&rest[..end]));
        }
        if let Some(body) = rest.strip_prefix("/*") {
            let end = body.find("*/").map_or(rest.len(), |i| i + 4);
            self.pos += end;
            return Some(Token::BlockComment);
        }
        match rest.as_bytes()[0] {
            b'"' => self.interpreted_string(rest),
            b'`' => Some(self.raw_string(rest)),
            _ => Some(self.word(rest)),
        }
    }

    /// A `"…"` string at `rest`, its escapes resolved to the escaped
    /// character; `None` (and the end of the text) when the line ends first.
    fn interpreted_string(&mut self, rest: &'a str) -> Option<Token<'a>> {
        let mut out = String::new();
        let mut chars = rest[1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 2;
                    return Some(Token::Str(out));
                }
                '\\' => {
                    if let Some((_, e)) = chars.next() {
                        out.push(e);
                    }
                }
                '\n' => break,
                c => out.push(c),
            }
        }
        self.pos = self.text.len();
        None
    }

    /// A `` `…` `` string at `rest` (to the end of the text when unclosed).
    fn raw_string(&mut self, rest: &'a str) -> Token<'a> {
        let end = rest[1..].find('`').map_or(rest.len(), |i| i + 2);
        self.pos += end;
        Token::Str(rest[1..end.saturating_sub(1).max(1)].to_string())
    }

    /// An identifier at `rest`, or else its first character alone.
    fn word(&mut self, rest: &'a str) -> Token<'a> {
        let len = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(rest.len(), |(i, _)| i);
        let len = if len == 0 { first_char_len(rest) } else { len };
        self.pos += len;
        Token::Word(&rest[..len])
    }
}

fn first_char_len(s: &str) -> usize {
    s.chars().next().map_or(1, char::len_utf8)
}

/// A `//go:build` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Parse `a && (b || !c)`; `None` when it is not a valid expression.
    fn parse(text: &str) -> Option<Expr> {
        let tokens = expr_tokens(text)?;
        let mut pos = 0;
        let e = parse_or(&tokens, &mut pos)?;
        (pos == tokens.len()).then_some(e)
    }

    fn eval(&self, target: &Target) -> bool {
        match self {
            Expr::Tag(t) => target.has_tag(t),
            Expr::Not(e) => !e.eval(target),
            Expr::And(a, b) => a.eval(target) && b.eval(target),
            Expr::Or(a, b) => a.eval(target) || b.eval(target),
        }
    }
}

fn expr_tokens(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {}
            '(' | ')' | '!' => out.push(c.to_string()),
            '&' | '|' => {
                if chars.next() != Some(c) {
                    return None;
                }
                out.push(format!("{c}{c}"));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' => {
                let mut word = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || n == '_' || n == '.' {
                        word.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(word);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn parse_or(t: &[String], pos: &mut usize) -> Option<Expr> {
    let mut left = parse_and(t, pos)?;
    while t.get(*pos).map(String::as_str) == Some("||") {
        *pos += 1;
        left = Expr::Or(Box::new(left), Box::new(parse_and(t, pos)?));
    }
    Some(left)
}

fn parse_and(t: &[String], pos: &mut usize) -> Option<Expr> {
    let mut left = parse_not(t, pos)?;
    while t.get(*pos).map(String::as_str) == Some("&&") {
        *pos += 1;
        left = Expr::And(Box::new(left), Box::new(parse_not(t, pos)?));
    }
    Some(left)
}

fn parse_not(t: &[String], pos: &mut usize) -> Option<Expr> {
    let token = t.get(*pos)?;
    *pos += 1;
    match token.as_str() {
        "!" => Some(Expr::Not(Box::new(parse_not(t, pos)?))),
        "(" => {
            let e = parse_or(t, pos)?;
            (t.get(*pos).map(String::as_str) == Some(")")).then(|| *pos += 1)?;
            Some(e)
        }
        ")" | "&&" | "||" => None,
        tag => Some(Expr::Tag(tag.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> Target {
        Target::default()
    }

    #[test]
    fn file_name_suffixes_follow_go_build() {
        let t = linux();
        for (name, want) in [
            ("a.go", true),
            ("a_linux.go", true),
            ("a_windows.go", false),
            ("a_linux_amd64.go", true),
            ("a_linux_arm64.go", false),
            ("a_windows_amd64.go", false),
            ("a_amd64_test.go", true),
            ("a_arm_test.go", false),
            ("linux.go", true),
            ("a_unix.go", true),
            ("a_other_windows.go", false),
        ] {
            assert_eq!(t.matches_file_name(name), want, "{name}");
        }
    }

    #[test]
    fn go_build_expressions_and_plus_build_lines() {
        let t = linux();
        let header = |src: &str| Header::parse(src.as_bytes());
        let holds = |src: &str| t.matches_constraints(&header(src));
        assert!(holds("//go:build linux && amd64\n\npackage a\n"));
        assert!(!holds("//go:build !linux\n\npackage a\n"));
        assert!(holds(
            "//go:build (windows || unix) && !ignore\n\npackage a\n"
        ));
        assert!(!holds("//go:build ignore\n\npackage main\n"));
        assert!(holds("//go:build go1.18\n\npackage a\n"));
        // +build: space is or, comma is and, lines are and.
        assert!(holds("// +build linux darwin\n\npackage a\n"));
        assert!(!holds("// +build linux,arm\n\npackage a\n"));
        assert!(!holds("// +build linux\n// +build windows\n\npackage a\n"));
        assert!(holds("// +build !windows,!plan9\n\npackage a\n"));
        // A +build line with no blank line before the package clause is a doc comment.
        assert!(holds("// +build windows\npackage a\n"));
        // //go:build wins over +build.
        assert!(holds("//go:build linux\n// +build windows\n\npackage a\n"));
        // An invalid expression excludes the file.
        assert!(!holds("//go:build linux &&\n\npackage a\n"));
    }

    #[test]
    fn header_reads_package_and_imports() {
        let h = Header::parse(
            b"// Copyright\n\n/* doc */\npackage volume // import \"x\"\n\nimport \"fmt\"\nimport (\n\t\"os\"\n\tst \"strings\"\n\t_ \"embed\"\n\t// c\n\t. \"errors\"\n)\nimport `path`\n\nfunc f() { import_ := \"no\" }\n",
        );
        assert_eq!(h.package, "volume");
        assert_eq!(
            h.imports,
            ["fmt", "os", "strings", "embed", "errors", "path"]
        );
    }
}
