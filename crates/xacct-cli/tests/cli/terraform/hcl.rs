//! A test helper: the HCL `xacct plan --format terraform` writes, turned into the JSON of
//! `terraform show -json` for a plan that creates it all, as Terraform would print it before
//! apply (references unknown, the configuration's `references` kept). It reads the subset of
//! HCL xacct writes (blocks, attributes, strings, lists, objects, references, `jsonencode`),
//! no more.

use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Text(String),
    Number(f64),
    Punct(char),
}

fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(&c) = chars.get(at) {
        if c == '#' || (c == '/' && chars.get(at + 1) == Some(&'/')) {
            while chars.get(at).is_some_and(|c| *c != '\n') {
                at += 1;
            }
        } else if c.is_whitespace() {
            at += 1;
        } else if c == '"' {
            let mut value = String::new();
            at += 1;
            while let Some(&c) = chars.get(at) {
                match c {
                    '"' => break,
                    '\\' => {
                        at += 1;
                        match chars.get(at) {
                            Some('n') => value.push('\n'),
                            Some('t') => value.push('\t'),
                            Some(other) => value.push(*other),
                            None => {}
                        }
                    }
                    '$' if chars.get(at + 1) == Some(&'$') => {
                        value.push('$');
                        at += 1;
                    }
                    '%' if chars.get(at + 1) == Some(&'%') => {
                        value.push('%');
                        at += 1;
                    }
                    other => value.push(other),
                }
                at += 1;
            }
            at += 1;
            out.push(Token::Text(value));
        } else if c.is_ascii_digit() {
            let start = at;
            while chars
                .get(at)
                .is_some_and(|c| c.is_ascii_digit() || *c == '.')
            {
                at += 1;
            }
            let number: String = chars.get(start..at).unwrap_or_default().iter().collect();
            out.push(Token::Number(number.parse().unwrap_or_default()));
        } else if c.is_alphanumeric() || c == '_' {
            let start = at;
            while chars
                .get(at)
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
            {
                at += 1;
            }
            out.push(Token::Ident(
                chars.get(start..at).unwrap_or_default().iter().collect(),
            ));
        } else {
            out.push(Token::Punct(c));
            at += 1;
        }
    }
    out
}

/// A value as written: a literal, or a reference known only after apply.
#[derive(Debug, Clone)]
enum Expr {
    Known(Value),
    Reference(String),
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

/// A block: its type, labels, attributes and nested blocks.
#[derive(Debug, Default)]
struct Block {
    kind: String,
    labels: Vec<String>,
    attributes: Vec<(String, Expr)>,
    blocks: Vec<Block>,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn body(&mut self) -> Block {
        let mut block = Block::default();
        while let Some(token) = self.peek().cloned() {
            match token {
                Token::Punct('}') => {
                    self.at += 1;
                    break;
                }
                Token::Ident(name) => {
                    self.at += 1;
                    if self.peek() == Some(&Token::Punct('=')) {
                        self.at += 1;
                        let value = self.expr();
                        block.attributes.push((name, value));
                    } else {
                        let mut labels = Vec::new();
                        while let Some(Token::Text(label)) = self.peek().cloned() {
                            labels.push(label);
                            self.at += 1;
                        }
                        self.next(); // {
                        let mut inner = self.body();
                        inner.kind = name;
                        inner.labels = labels;
                        block.blocks.push(inner);
                    }
                }
                _ => self.at += 1,
            }
        }
        block
    }

    fn expr(&mut self) -> Expr {
        match self.next() {
            Some(Token::Text(text)) => Expr::Known(json!(text)),
            Some(Token::Number(number)) => Expr::Known(json!(number)),
            Some(Token::Punct('[')) => {
                let mut items = Vec::new();
                let mut unknown = None;
                while let Some(token) = self.peek().cloned() {
                    match token {
                        Token::Punct(']') => {
                            self.at += 1;
                            break;
                        }
                        Token::Punct(',') => self.at += 1,
                        _ => match self.expr() {
                            Expr::Known(value) => items.push(value),
                            Expr::Reference(reference) => unknown = Some(reference),
                        },
                    }
                }
                unknown.map_or(Expr::Known(Value::Array(items)), Expr::Reference)
            }
            Some(Token::Punct('{')) => {
                let mut object = Map::new();
                while let Some(token) = self.peek().cloned() {
                    match token {
                        Token::Punct('}') => {
                            self.at += 1;
                            break;
                        }
                        Token::Punct(',') => self.at += 1,
                        Token::Ident(key) | Token::Text(key) => {
                            self.at += 2; // key =
                            if let Expr::Known(value) = self.expr() {
                                object.insert(key, value);
                            }
                        }
                        _ => self.at += 1,
                    }
                }
                Expr::Known(Value::Object(object))
            }
            Some(Token::Ident(word)) => match word.as_str() {
                "true" => Expr::Known(json!(true)),
                "false" => Expr::Known(json!(false)),
                "null" => Expr::Known(Value::Null),
                _ if self.peek() == Some(&Token::Punct('(')) => {
                    self.at += 1;
                    let inner = self.expr();
                    self.next(); // )
                    match (word.as_str(), inner) {
                        ("jsonencode", Expr::Known(value)) => Expr::Known(json!(value.to_string())),
                        (_, other) => other,
                    }
                }
                _ => {
                    let mut path = word;
                    while self.peek() == Some(&Token::Punct('.')) {
                        self.at += 1;
                        if let Some(Token::Ident(part)) = self.next() {
                            path.push('.');
                            path.push_str(&part);
                        }
                    }
                    Expr::Reference(path)
                }
            },
            _ => Expr::Known(Value::Null),
        }
    }
}

/// The values of a block (nested blocks as lists of objects), what is unknown in it, and
/// the configuration's expressions with their references.
fn values(block: &Block) -> (Map<String, Value>, Map<String, Value>, Map<String, Value>) {
    let mut known = Map::new();
    let mut unknown = Map::new();
    let mut expressions = Map::new();
    for (name, expr) in &block.attributes {
        match expr {
            Expr::Known(value) => {
                known.insert(name.clone(), value.clone());
                expressions.insert(name.clone(), json!({"constant_value": value}));
            }
            Expr::Reference(reference) => {
                unknown.insert(name.clone(), json!(true));
                let resource: Vec<&str> = reference.split('.').take(2).collect();
                expressions.insert(
                    name.clone(),
                    json!({"references": [reference, resource.join(".")]}),
                );
            }
        }
    }
    for nested in &block.blocks {
        let (inner, _, inner_expressions) = values(nested);
        let list = known
            .entry(nested.kind.clone())
            .or_insert_with(|| json!([]));
        if let Value::Array(items) = list {
            items.push(Value::Object(inner));
        }
        expressions.insert(nested.kind.clone(), json!([inner_expressions]));
    }
    (known, unknown, expressions)
}

/// The plan JSON of the HCL xacct wrote: every resource created.
pub fn plan_json(hcl: &str) -> Value {
    let mut parser = Parser {
        tokens: tokens(hcl),
        at: 0,
    };
    let root = parser.body();
    let mut providers = Map::new();
    let mut resources = Vec::new();
    let mut changes = Vec::new();
    let mut configs = Vec::new();
    for block in &root.blocks {
        let mut labels = block.labels.iter();
        match block.kind.as_str() {
            "provider" => {
                let (known, _, expressions) = values(block);
                let name = labels.next().cloned().unwrap_or_default();
                let key = match known.get("alias").and_then(Value::as_str) {
                    Some(alias) => format!("{name}.{alias}"),
                    None => name.clone(),
                };
                providers.insert(key, json!({"name": name, "expressions": expressions}));
            }
            "resource" => {
                let kind = labels.next().cloned().unwrap_or_default();
                let name = labels.next().cloned().unwrap_or_default();
                let address = format!("{kind}.{name}");
                let (mut known, unknown, mut expressions) = values(block);
                known.remove("provider");
                expressions.remove("provider");
                let provider = block
                    .attributes
                    .iter()
                    .find_map(|(key, expr)| match (key.as_str(), expr) {
                        ("provider", Expr::Reference(reference)) => Some(reference.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| "aws".to_owned());
                resources.push(json!({
                    "address": address, "mode": "managed", "type": kind, "name": name,
                    "values": known.clone(),
                }));
                changes.push(json!({
                    "address": address, "mode": "managed", "type": kind, "name": name,
                    "change": {"actions": ["create"], "before": null, "after": known, "after_unknown": unknown},
                }));
                configs.push(json!({
                    "address": address, "mode": "managed", "type": kind, "name": name,
                    "provider_config_key": provider, "expressions": expressions,
                }));
            }
            _ => {} // terraform {}, locals {}, import {}: nothing the world holds
        }
    }
    json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {"provider_config": providers, "root_module": {"resources": configs}},
    })
}
