//! Identifier words: split `snake_case`, `camelCase` and `SCREAMING_CASE` names into
//! lower-case words, and match word sequences against them, so that `tokenize` is never
//! mistaken for `token`.

/// The lower-case words of an identifier: `verifyPassword` → `verify`, `password`;
/// `HTTPServer` → `http`, `server`; `date_of_birth2` → `date`, `of`, `birth2`.
pub fn split(identifier: &str) -> Vec<String> {
    let mut words = Vec::new();
    let chars: Vec<char> = identifier.chars().collect();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            // `fooBar` splits before `B`; `HTTPServer` splits before the `S` of `Server`.
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_is_lower) {
                words.push(std::mem::take(&mut current));
            }
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A sequence of lower-case words to look for inside an identifier's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phrase(pub Vec<String>);

impl Phrase {
    pub fn parse(text: &str) -> Phrase {
        Phrase(text.split_whitespace().flat_map(split).collect())
    }

    /// True when the phrase's words occur one after another in `words`.
    pub fn occurs_in(&self, words: &[String]) -> bool {
        !self.0.is_empty() && words.windows(self.0.len()).any(|w| w == self.0.as_slice())
    }

    /// The longest word (the first of equally long ones), used to find candidate
    /// identifiers quickly.
    pub fn anchor(&self) -> &str {
        let mut best = "";
        for w in &self.0 {
            if w.len() > best.len() {
                best = w;
            }
        }
        best
    }
}

impl std::fmt::Display for Phrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_common_casings() {
        let cases = [
            ("verify_password", "verify password"),
            ("verifyPassword", "verify password"),
            ("HTTPServer", "http server"),
            ("DATE_OF_BIRTH", "date of birth"),
            ("tokenize", "tokenize"),
            ("__init__", "init"),
            ("sha256Hash", "sha256 hash"),
            ("SSN", "ssn"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(split(input).join(" "), expected, "{input}");
        }
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let token = Phrase::parse("token");
        assert!(token.occurs_in(&split("access_token")));
        assert!(!token.occurs_in(&split("tokenize")));
        let dob = Phrase::parse("date of birth");
        assert!(dob.occurs_in(&split("customerDateOfBirth")));
        assert!(!dob.occurs_in(&split("date_birth")));
    }
}
