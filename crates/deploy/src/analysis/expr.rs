//! The small expression language of Argo Rollouts' `successCondition` and
//! `failureCondition` (a subset of expr-lang, the library Argo uses).
//!
//! Written here rather than taken from a crate because the general-purpose
//! Rust expression crates (evalexpr, rhai) speak other syntaxes: `result[0]`,
//! `default(...)`, `isNaN(...)`, `&&`/`and` and `#` predicates must behave as
//! they do in Argo's templates, and errors must become measurement errors.

use std::fmt;

use crate::{Error, Result};

/// A value during evaluation: what `result` holds and what operators give.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value (`nil`).
    Nil,
    /// `true` or `false`.
    Bool(bool),
    /// A number (all numbers are 64-bit floats).
    Number(f64),
    /// A string literal.
    Str(String),
    /// A list, such as a Prometheus vector.
    List(Vec<Value>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Nil => f.write_str("nil"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{n}"),
            Self::Str(s) => write!(f, "{s:?}"),
            Self::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Len,
    IsNaN,
    IsInf,
    Default,
    AsInt,
    AsFloat,
    Abs,
    All,
    Any,
    Sum,
    Min,
    Max,
}

impl Func {
    fn from_name(name: &str) -> Option<(Self, usize)> {
        Some(match name {
            "len" => (Self::Len, 1),
            "isNaN" => (Self::IsNaN, 1),
            "isInf" => (Self::IsInf, 1),
            "default" => (Self::Default, 2),
            "asInt" => (Self::AsInt, 1),
            "asFloat" => (Self::AsFloat, 1),
            "abs" => (Self::Abs, 1),
            "all" => (Self::All, 2),
            "any" => (Self::Any, 2),
            "sum" => (Self::Sum, 1),
            "min" => (Self::Min, 1),
            "max" => (Self::Max, 1),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Lit(Value),
    Result,
    Hash,
    Not(Box<Node>),
    Neg(Box<Node>),
    Index(Box<Node>, Box<Node>),
    Bin(BinOp, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
}

/// A parsed condition, ready to evaluate against a measurement's `result`.
///
/// ```
/// use relkit_deploy::{Expr, Value};
/// let e = Expr::parse("default(result[0], 0) >= 0.95 && !isNaN(result[0])")?;
/// assert_eq!(e.eval(&Value::List(vec![Value::Number(0.97)])), Ok(Value::Bool(true)));
/// assert_eq!(e.eval(&Value::List(vec![])), Ok(Value::Bool(false)));
/// # Ok::<(), relkit_deploy::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    source: String,
    root: Node,
}

const MAX_DEPTH: usize = 64;

impl Expr {
    /// Parses an expression such as `result[0] >= 0.95 || len(result) == 0`.
    pub fn parse(source: &str) -> Result<Self> {
        let tokens = lex(source).map_err(|r| Error::parse(format!("expression {source:?}"), r))?;
        let mut p = Parser {
            tokens,
            pos: 0,
            depth: 0,
            in_predicate: false,
        };
        let root = p
            .expr(0)
            .and_then(|n| match p.tokens.get(p.pos) {
                None => Ok(n),
                Some(t) => Err(format!("unexpected {t} after the end of the expression")),
            })
            .map_err(|r| Error::parse(format!("expression {source:?}"), r))?;
        Ok(Self {
            source: source.to_owned(),
            root,
        })
    }

    /// The text the expression was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates with `result` bound to `result`. An `Err` holds the reason
    /// (an index out of range, a type mismatch), which Argo records as a
    /// measurement error.
    pub fn eval(&self, result: &Value) -> std::result::Result<Value, String> {
        eval(&self.root, result, None)
    }

    /// Evaluates as a condition: the value must be `true` or `false`.
    pub fn eval_bool(&self, result: &Value) -> std::result::Result<bool, String> {
        match self.eval(result)? {
            Value::Bool(b) => Ok(b),
            other => Err(format!(
                "condition {:?} gave {other}, not true or false",
                self.source
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Str(String),
    Op(&'static str),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Num(n) => write!(f, "number {n}"),
            Self::Ident(s) => write!(f, "name {s:?}"),
            Self::Str(s) => write!(f, "string {s:?}"),
            Self::Op(o) => write!(f, "{o:?}"),
        }
    }
}

const OPS: [&str; 25] = [
    "||", "&&", "==", "!=", "<=", ">=", "**", "<", ">", "+", "-", "*", "/", "%", "!", "(", ")",
    "[", "]", ",", "{", "}", "#", "^", ".",
];

fn lex(src: &str) -> std::result::Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            let mut len = rest
                .char_indices()
                .find(|&(_, d)| !(d.is_ascii_digit() || d == '.' || d == '_'))
                .map_or(rest.len(), |(i, _)| i);
            // An exponent: 1e-3, 2E5.
            if rest[len..].starts_with(['e', 'E']) {
                let tail = &rest[len + 1..];
                let sign = usize::from(tail.starts_with(['+', '-']));
                let digits = tail[sign..].bytes().take_while(u8::is_ascii_digit).count();
                if digits > 0 {
                    len += 1 + sign + digits;
                }
            }
            let text = rest[..len].replace('_', "");
            let n: f64 = text
                .parse()
                .map_err(|_| format!("{:?} is not a number", &rest[..len]))?;
            out.push(Tok::Num(n));
            rest = &rest[len..];
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let len = rest
                .char_indices()
                .find(|&(_, d)| !(d.is_alphanumeric() || d == '_' || d == '$'))
                .map_or(rest.len(), |(i, _)| i);
            out.push(Tok::Ident(rest[..len].to_owned()));
            rest = &rest[len..];
        } else if c == '"' || c == '\'' {
            let body = &rest[1..];
            let end = body.find(c).ok_or("a string is not closed")?;
            out.push(Tok::Str(body[..end].to_owned()));
            rest = &body[end + 1..];
        } else if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            out.push(Tok::Op(op));
            rest = &rest[op.len()..];
        } else {
            return Err(format!("unexpected character {c:?}"));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
    depth: usize,
    in_predicate: bool,
}

fn binop(t: &Tok) -> Option<(BinOp, u8)> {
    let op = match t {
        Tok::Op(o) => *o,
        Tok::Ident(w) if w == "or" => "||",
        Tok::Ident(w) if w == "and" => "&&",
        _ => return None,
    };
    Some(match op {
        "||" => (BinOp::Or, 1),
        "&&" => (BinOp::And, 2),
        "==" => (BinOp::Eq, 3),
        "!=" => (BinOp::Ne, 3),
        "<" => (BinOp::Lt, 4),
        "<=" => (BinOp::Le, 4),
        ">" => (BinOp::Gt, 4),
        ">=" => (BinOp::Ge, 4),
        "+" => (BinOp::Add, 5),
        "-" => (BinOp::Sub, 5),
        "*" => (BinOp::Mul, 6),
        "/" => (BinOp::Div, 6),
        "%" => (BinOp::Rem, 6),
        "**" | "^" => (BinOp::Pow, 8),
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> std::result::Result<Tok, String> {
        let t = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or("the expression ends too early")?;
        self.pos += 1;
        Ok(t)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> std::result::Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            match self.peek() {
                Some(t) => Err(format!("expected {op:?}, found {t}")),
                None => Err(format!("expected {op:?} at the end")),
            }
        }
    }

    fn expr(&mut self, min_prec: u8) -> std::result::Result<Node, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "the expression is nested deeper than {MAX_DEPTH} levels"
            ));
        }
        let mut lhs = self.unary()?;
        while let Some((op, prec)) = self.peek().and_then(binop) {
            if prec < min_prec {
                break;
            }
            self.pos += 1;
            // `**` is right-associative; everything else is left-associative.
            let next = if op == BinOp::Pow { prec } else { prec + 1 };
            let rhs = self.expr(next)?;
            lhs = Node::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn unary(&mut self) -> std::result::Result<Node, String> {
        if self.eat("!")
            || matches!(self.peek(), Some(Tok::Ident(w)) if w == "not") && {
                self.pos += 1;
                true
            }
        {
            return Ok(Node::Not(Box::new(self.expr(7)?)));
        }
        if self.eat("-") {
            return Ok(Node::Neg(Box::new(self.expr(7)?)));
        }
        if self.eat("+") {
            return self.expr(7);
        }
        let mut node = self.primary()?;
        loop {
            if self.eat("[") {
                let idx = self.expr(0)?;
                self.expect("]")?;
                node = Node::Index(Box::new(node), Box::new(idx));
            } else {
                break;
            }
        }
        Ok(node)
    }

    fn primary(&mut self) -> std::result::Result<Node, String> {
        match self.next()? {
            Tok::Num(n) => Ok(Node::Lit(Value::Number(n))),
            Tok::Str(s) => Ok(Node::Lit(Value::Str(s))),
            Tok::Op("(") => {
                let e = self.expr(0)?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Op("#") if self.in_predicate => Ok(Node::Hash),
            Tok::Op("#") => {
                Err("`#` is only allowed inside the predicate of all() or any()".to_owned())
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.expr(0)?);
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                let lits: Option<Vec<Value>> = items
                    .into_iter()
                    .map(|n| match n {
                        Node::Lit(v) => Some(v),
                        Node::Neg(inner) => match *inner {
                            Node::Lit(Value::Number(x)) => Some(Value::Number(-x)),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                lits.map(|v| Node::Lit(Value::List(v)))
                    .ok_or_else(|| "list literals may hold only constants".to_owned())
            }
            Tok::Ident(name) => match name.as_str() {
                "result" => Ok(Node::Result),
                "true" => Ok(Node::Lit(Value::Bool(true))),
                "false" => Ok(Node::Lit(Value::Bool(false))),
                "nil" => Ok(Node::Lit(Value::Nil)),
                "NaN" => Ok(Node::Lit(Value::Number(f64::NAN))),
                _ => {
                    let (func, arity) = Func::from_name(&name).ok_or_else(|| {
                        format!("unknown name {name:?} (known: result, true, false, nil and the functions len, isNaN, isInf, default, asInt, asFloat, abs, all, any, sum, min, max)")
                    })?;
                    self.expect("(")?;
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            let predicate =
                                args.len() == 1 && matches!(func, Func::All | Func::Any);
                            let arg = if predicate {
                                let saved = self.in_predicate;
                                self.in_predicate = true;
                                let braced = self.eat("{");
                                let a = self.expr(0);
                                self.in_predicate = saved;
                                let a = a?;
                                if braced {
                                    self.expect("}")?;
                                }
                                a
                            } else {
                                self.expr(0)?
                            };
                            args.push(arg);
                            if self.eat(")") {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    if args.len() != arity {
                        return Err(format!(
                            "{name}() takes {arity} argument(s), got {}",
                            args.len()
                        ));
                    }
                    Ok(Node::Call(func, args))
                }
            },
            t => Err(format!("unexpected {t}")),
        }
    }
}

/// A one-element list stands for its element wherever a number is needed,
/// so `result >= 0.9` works on a one-sample Prometheus vector.
fn num(v: &Value) -> std::result::Result<f64, String> {
    match v {
        Value::Number(n) => Ok(*n),
        Value::List(items) if items.len() == 1 => items.first().map_or(Ok(f64::NAN), num),
        Value::List(items) => Err(format!(
            "expected a number, got a list of {} values",
            items.len()
        )),
        other => Err(format!("expected a number, got {other}")),
    }
}

fn truth(v: &Value) -> std::result::Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!("expected true or false, got {other}")),
    }
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::List(items) => items.clone(),
        Value::Nil => Vec::new(),
        other => vec![other.clone()],
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Number(_) | Value::List(_), Value::Number(_) | Value::List(_)) => {
            matches!((num(a), num(b)), (Ok(x), Ok(y)) if x == y)
        }
        _ => a == b,
    }
}

fn eval(node: &Node, result: &Value, hash: Option<&Value>) -> std::result::Result<Value, String> {
    Ok(match node {
        Node::Lit(v) => v.clone(),
        Node::Result => result.clone(),
        Node::Hash => hash.cloned().unwrap_or(Value::Nil),
        Node::Not(e) => Value::Bool(!truth(&eval(e, result, hash)?)?),
        Node::Neg(e) => Value::Number(-num(&eval(e, result, hash)?)?),
        Node::Index(base, idx) => {
            let base = eval(base, result, hash)?;
            let i = num(&eval(idx, result, hash)?)?;
            if i.fract() != 0.0 || !i.is_finite() {
                return Err(format!("index {i} is not a whole number"));
            }
            let items = list(&base);
            let len = items.len();
            let pos = if i < 0.0 { len as f64 + i } else { i };
            if pos < 0.0 || pos >= len as f64 {
                return Err(format!(
                    "index {i} is out of range for a result of {len} value(s)"
                ));
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let pos = pos as usize;
            items.into_iter().nth(pos).unwrap_or(Value::Nil)
        }
        Node::Bin(BinOp::Or, a, b) => {
            Value::Bool(truth(&eval(a, result, hash)?)? || truth(&eval(b, result, hash)?)?)
        }
        Node::Bin(BinOp::And, a, b) => {
            Value::Bool(truth(&eval(a, result, hash)?)? && truth(&eval(b, result, hash)?)?)
        }
        Node::Bin(op, a, b) => {
            let (a, b) = (eval(a, result, hash)?, eval(b, result, hash)?);
            match op {
                BinOp::Eq => Value::Bool(equal(&a, &b)),
                BinOp::Ne => Value::Bool(!equal(&a, &b)),
                _ => {
                    let (x, y) = (num(&a)?, num(&b)?);
                    match op {
                        BinOp::Lt => Value::Bool(x < y),
                        BinOp::Le => Value::Bool(x <= y),
                        BinOp::Gt => Value::Bool(x > y),
                        BinOp::Ge => Value::Bool(x >= y),
                        BinOp::Add => Value::Number(x + y),
                        BinOp::Sub => Value::Number(x - y),
                        BinOp::Mul => Value::Number(x * y),
                        BinOp::Div => Value::Number(x / y),
                        BinOp::Rem => Value::Number(x % y),
                        BinOp::Pow => Value::Number(x.powf(y)),
                        BinOp::Or | BinOp::And | BinOp::Eq | BinOp::Ne => Value::Nil,
                    }
                }
            }
        }
        Node::Call(func, args) => call(*func, args, result, hash)?,
    })
}

fn call(
    func: Func,
    args: &[Node],
    result: &Value,
    hash: Option<&Value>,
) -> std::result::Result<Value, String> {
    let arg = |i: usize| -> std::result::Result<Value, String> {
        args.get(i)
            .map_or(Ok(Value::Nil), |a| eval(a, result, hash))
    };
    Ok(match func {
        Func::Default => match arg(0) {
            Ok(Value::Nil) | Err(_) => arg(1)?,
            Ok(Value::List(v)) if v.is_empty() => arg(1)?,
            Ok(v) => v,
        },
        Func::Len => match arg(0)? {
            Value::List(v) => Value::Number(v.len() as f64),
            Value::Str(s) => Value::Number(s.chars().count() as f64),
            Value::Nil => Value::Number(0.0),
            _ => Value::Number(1.0),
        },
        Func::IsNaN => Value::Bool(num(&arg(0)?)?.is_nan()),
        Func::IsInf => Value::Bool(num(&arg(0)?)?.is_infinite()),
        Func::AsInt => Value::Number(num(&arg(0)?)?.trunc()),
        Func::AsFloat => Value::Number(num(&arg(0)?)?),
        Func::Abs => Value::Number(num(&arg(0)?)?.abs()),
        Func::Sum => Value::Number(
            list(&arg(0)?)
                .iter()
                .map(num)
                .sum::<std::result::Result<f64, String>>()?,
        ),
        Func::Min | Func::Max => {
            let items = list(&arg(0)?)
                .iter()
                .map(num)
                .collect::<std::result::Result<Vec<f64>, String>>()?;
            let pick = if func == Func::Min {
                f64::min
            } else {
                f64::max
            };
            items
                .into_iter()
                .reduce(pick)
                .map(Value::Number)
                .ok_or("min() and max() need at least one value")?
        }
        Func::All | Func::Any => {
            let items = list(&arg(0)?);
            let pred = args.get(1).ok_or("all() and any() need a predicate")?;
            let mut acc = func == Func::All;
            for item in &items {
                let t = truth(&eval(pred, result, Some(item))?)?;
                if func == Func::All && !t {
                    acc = false;
                    break;
                }
                if func == Func::Any && t {
                    acc = true;
                    break;
                }
            }
            Value::Bool(acc)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[f64]) -> Value {
        Value::List(xs.iter().map(|x| Value::Number(*x)).collect())
    }

    fn check(src: &str, result: &Value) -> std::result::Result<Value, String> {
        Expr::parse(src).unwrap().eval(result)
    }

    #[test]
    fn conditions_from_argo_templates() {
        let r = v(&[0.97]);
        assert_eq!(check("result[0] >= 0.95", &r), Ok(Value::Bool(true)));
        assert_eq!(check("result >= 0.95", &r), Ok(Value::Bool(true)));
        assert_eq!(check("result[0] < 0.95", &r), Ok(Value::Bool(false)));
        assert_eq!(
            check("len(result) == 0 || result[0] >= 0.95", &v(&[])),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            check("isNaN(result) || result >= 0.95", &Value::Number(f64::NAN)),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            check("default(result[0], 0) >= 0.95", &v(&[])),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            check("result[0] * 100 - 2 > 90 and not (result[0] > 1)", &r),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            check("all(result, {# > 0.9})", &v(&[0.95, 0.99])),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            check("any(result, # < 0.5)", &v(&[0.95, 0.99])),
            Ok(Value::Bool(false))
        );
        assert_eq!(check("2 ** 3 ** 2", &Value::Nil), Ok(Value::Number(512.0)));
        assert_eq!(
            check("-result[-1] + 1", &v(&[1.0, 3.0])),
            Ok(Value::Number(-2.0))
        );
        assert_eq!(
            check("asInt(result) == 2", &Value::Number(2.7)),
            Ok(Value::Bool(true))
        );
        assert_eq!(check("1e-3 < 0.01", &Value::Nil), Ok(Value::Bool(true)));
    }

    #[test]
    fn errors_are_values_with_reasons() {
        let e = check("result[0] > 1", &v(&[])).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        assert!(check("result > 1", &v(&[1.0, 2.0])).is_err());
        assert!(Expr::parse("result[0] >").is_err());
        assert!(
            Expr::parse("foo > 1")
                .unwrap_err()
                .to_string()
                .contains("unknown name")
        );
        assert!(Expr::parse("# > 1").is_err());
        assert!(Expr::parse(&"(".repeat(500)).is_err());
        assert!(Expr::parse("1 2").is_err());
        assert!(
            Expr::parse("result")
                .unwrap()
                .eval_bool(&Value::Number(1.0))
                .is_err()
        );
    }
}
