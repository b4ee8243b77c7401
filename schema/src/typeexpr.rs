//! Parser for OVH type expressions (`dataType`, `fullType`, `responseType`, property `type`):
//!
//! ```text
//! type := base "[]"?  |  "map[" type "]" type  |  alias ":" type
//! base := primitive | modelKey | modelKey "<" type ">" | generic parameter
//! ```

use std::fmt;

/// The primitive type names of the native format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Primitive {
    String,
    Text,
    Password,
    PhoneNumber,
    InternationalPhoneNumber,
    MacAddress,
    Duration,
    Time,
    Long,
    Double,
    Boolean,
    Uuid,
    Date,
    DateTime,
    Ip,
    Ipv4,
    Ipv6,
    IpBlock,
    Ipv4Block,
    Ipv6Block,
    /// `ipInterface`, seen only in 2020 schemas.
    IpInterface,
    Any,
}

impl Primitive {
    pub fn from_name(name: &str) -> Option<Primitive> {
        Some(match name {
            "string" => Primitive::String,
            "text" => Primitive::Text,
            "password" => Primitive::Password,
            "phoneNumber" => Primitive::PhoneNumber,
            "internationalPhoneNumber" => Primitive::InternationalPhoneNumber,
            "macAddress" => Primitive::MacAddress,
            "duration" => Primitive::Duration,
            "time" => Primitive::Time,
            "long" => Primitive::Long,
            "double" => Primitive::Double,
            "boolean" => Primitive::Boolean,
            "uuid" => Primitive::Uuid,
            "date" => Primitive::Date,
            "datetime" => Primitive::DateTime,
            "ip" => Primitive::Ip,
            "ipv4" => Primitive::Ipv4,
            "ipv6" => Primitive::Ipv6,
            "ipBlock" => Primitive::IpBlock,
            "ipv4Block" => Primitive::Ipv4Block,
            "ipv6Block" => Primitive::Ipv6Block,
            "ipInterface" => Primitive::IpInterface,
            "any" => Primitive::Any,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Primitive::String => "string",
            Primitive::Text => "text",
            Primitive::Password => "password",
            Primitive::PhoneNumber => "phoneNumber",
            Primitive::InternationalPhoneNumber => "internationalPhoneNumber",
            Primitive::MacAddress => "macAddress",
            Primitive::Duration => "duration",
            Primitive::Time => "time",
            Primitive::Long => "long",
            Primitive::Double => "double",
            Primitive::Boolean => "boolean",
            Primitive::Uuid => "uuid",
            Primitive::Date => "date",
            Primitive::DateTime => "datetime",
            Primitive::Ip => "ip",
            Primitive::Ipv4 => "ipv4",
            Primitive::Ipv6 => "ipv6",
            Primitive::IpBlock => "ipBlock",
            Primitive::Ipv4Block => "ipv4Block",
            Primitive::Ipv6Block => "ipv6Block",
            Primitive::IpInterface => "ipInterface",
            Primitive::Any => "any",
        }
    }
}

/// A parsed type expression. Model references are by model key, as written; resolving them
/// (and telling a generic parameter from a model) is the model stage's job.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeExpr {
    Void,
    Primitive(Primitive),
    /// A dotted model key, or a generic parameter such as `T`, with type arguments if any.
    Named {
        name: String,
        args: Vec<TypeExpr>,
    },
    Array(Box<TypeExpr>),
    Map(Box<TypeExpr>, Box<TypeExpr>),
    /// `coreTypes.AccountId:string`: a documented name for another type.
    Alias {
        name: String,
        target: Box<TypeExpr>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeParseError {
    pub input: String,
    pub message: String,
}

impl fmt::Display for TypeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid type expression {:?}: {}",
            self.input, self.message
        )
    }
}

impl std::error::Error for TypeParseError {}

pub fn parse(input: &str) -> Result<TypeExpr, TypeParseError> {
    let err = |message: &str| TypeParseError {
        input: input.to_owned(),
        message: message.to_owned(),
    };
    if input == "void" {
        return Ok(TypeExpr::Void);
    }
    let mut parser = Parser {
        s: input.as_bytes(),
        pos: 0,
    };
    let ty = parser.type_expr().map_err(|m| err(&m))?;
    if parser.pos != input.len() {
        return Err(err(&format!(
            "unexpected {:?} at byte {}",
            &input[parser.pos..],
            parser.pos
        )));
    }
    Ok(ty)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn eat(&mut self, token: &str) -> bool {
        if self.s[self.pos..].starts_with(token.as_bytes()) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn type_expr(&mut self) -> Result<TypeExpr, String> {
        let ty = self.single()?;
        if !self.eat(":") {
            return Ok(ty);
        }
        // `alias:target`: the alias side has the same shape as the target.
        let target = self.type_expr()?;
        Ok(attach_alias(ty, target))
    }

    fn single(&mut self) -> Result<TypeExpr, String> {
        let base = if self.eat("map[") {
            let key = self.type_expr()?;
            if !self.eat("]") {
                return Err(format!("expected ']' after map key at byte {}", self.pos));
            }
            let value = self.single()?;
            TypeExpr::Map(Box::new(key), Box::new(value))
        } else if self.eat("[]") {
            // `map[string][]X`: the value is an array written prefix-style.
            TypeExpr::Array(Box::new(self.single()?))
        } else {
            let start = self.pos;
            while self.pos < self.s.len() && !b"[]<>:".contains(&self.s[self.pos]) {
                self.pos += 1;
            }
            if start == self.pos {
                return Err(format!("expected a type name at byte {start}"));
            }
            let name = std::str::from_utf8(&self.s[start..self.pos])
                .expect("split on ASCII")
                .to_owned();
            if name.contains(char::is_whitespace) {
                return Err(format!("type name {name:?} contains whitespace"));
            }
            let mut args = Vec::new();
            if self.eat("<") {
                loop {
                    args.push(self.type_expr()?);
                    if self.eat(">") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err(format!("expected ',' or '>' at byte {}", self.pos));
                    }
                }
            }
            match Primitive::from_name(&name) {
                Some(p) if args.is_empty() => TypeExpr::Primitive(p),
                _ if name == "void" => {
                    return Err("void is only valid as a whole response type".into())
                }
                _ => TypeExpr::Named { name, args },
            }
        };
        if self.eat("[]") {
            Ok(TypeExpr::Array(Box::new(base)))
        } else {
            Ok(base)
        }
    }
}

/// `coreTypes.ServiceId[]:long[]` → `Array(Alias(coreTypes.ServiceId, long))`;
/// `duration:string` → the primitive `duration` (a primitive name wins over its carrier).
fn attach_alias(alias: TypeExpr, target: TypeExpr) -> TypeExpr {
    match (alias, target) {
        (TypeExpr::Array(a), TypeExpr::Array(t)) => TypeExpr::Array(Box::new(attach_alias(*a, *t))),
        (TypeExpr::Primitive(p), _) => TypeExpr::Primitive(p),
        (TypeExpr::Named { name, args }, target) if args.is_empty() => TypeExpr::Alias {
            name,
            target: Box::new(target),
        },
        (_, target) => target,
    }
}

impl TypeExpr {
    /// Calls `f` on every model key (or generic parameter) this expression mentions.
    pub fn visit_names<'a>(&'a self, f: &mut impl FnMut(&'a str, &'a [TypeExpr])) {
        match self {
            TypeExpr::Void | TypeExpr::Primitive(_) => {}
            TypeExpr::Named { name, args } => {
                f(name, args);
                for a in args {
                    a.visit_names(f);
                }
            }
            TypeExpr::Array(inner) => inner.visit_names(f),
            TypeExpr::Map(k, v) => {
                k.visit_names(f);
                v.visit_names(f);
            }
            TypeExpr::Alias { target, .. } => target.visit_names(f),
        }
    }
}

impl fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeExpr::Void => f.write_str("void"),
            TypeExpr::Primitive(p) => f.write_str(p.name()),
            TypeExpr::Named { name, args } => {
                f.write_str(name)?;
                if !args.is_empty() {
                    f.write_str("<")?;
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            f.write_str(",")?;
                        }
                        write!(f, "{a}")?;
                    }
                    f.write_str(">")?;
                }
                Ok(())
            }
            TypeExpr::Array(inner) => write!(f, "{inner}[]"),
            TypeExpr::Map(k, v) => write!(f, "map[{k}]{v}"),
            TypeExpr::Alias { name, target } => write!(f, "{name}:{target}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> TypeExpr {
        TypeExpr::Named {
            name: name.into(),
            args: vec![],
        }
    }

    #[test]
    fn primitives_arrays_and_models() {
        assert_eq!(parse("void").unwrap(), TypeExpr::Void);
        assert_eq!(parse("long").unwrap(), TypeExpr::Primitive(Primitive::Long));
        assert_eq!(
            parse("ipBlock[]").unwrap(),
            TypeExpr::Array(Box::new(TypeExpr::Primitive(Primitive::IpBlock)))
        );
        assert_eq!(
            parse("dedicated.server.Task[]").unwrap(),
            TypeExpr::Array(Box::new(named("dedicated.server.Task")))
        );
    }

    #[test]
    fn maps_with_array_values_and_enum_keys() {
        let t = parse("map[string][]iam.resource.TagFilter").unwrap();
        assert_eq!(
            t,
            TypeExpr::Map(
                Box::new(TypeExpr::Primitive(Primitive::String)),
                Box::new(TypeExpr::Array(Box::new(named("iam.resource.TagFilter"))))
            )
        );
        let t = parse("map[a.KeyEnum]a.Value").unwrap();
        assert_eq!(
            t,
            TypeExpr::Map(Box::new(named("a.KeyEnum")), Box::new(named("a.Value")))
        );
    }

    #[test]
    fn generics_nest_and_take_maps() {
        let t = parse("complexType.ChartSerie<complexType.ChartTimestampValue>[]").unwrap();
        assert_eq!(
            t,
            TypeExpr::Array(Box::new(TypeExpr::Named {
                name: "complexType.ChartSerie".into(),
                args: vec![named("complexType.ChartTimestampValue")]
            }))
        );
        let t = parse("common.TaskWithInputs<map[managedCMS.TaskInputsEnum]any>").unwrap();
        assert_eq!(
            t.to_string(),
            "common.TaskWithInputs<map[managedCMS.TaskInputsEnum]any>"
        );
    }

    #[test]
    fn aliases() {
        assert_eq!(
            parse("coreTypes.AccountId:string").unwrap(),
            TypeExpr::Alias {
                name: "coreTypes.AccountId".into(),
                target: Box::new(TypeExpr::Primitive(Primitive::String))
            }
        );
        assert_eq!(
            parse("coreTypes.ServiceId[]:long[]").unwrap(),
            TypeExpr::Array(Box::new(TypeExpr::Alias {
                name: "coreTypes.ServiceId".into(),
                target: Box::new(TypeExpr::Primitive(Primitive::Long))
            }))
        );
        assert_eq!(
            parse("duration:string").unwrap(),
            TypeExpr::Primitive(Primitive::Duration)
        );
    }

    #[test]
    fn malformed_expressions_are_errors() {
        for bad in [
            "",
            "map[string",
            "a.B<long",
            "a.B[]x",
            "[]",
            "a b",
            "void[]",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "string[]",
            "map[string]long",
            "complexType.UnitAndValue<long>",
            "coreTypes.AccountId:string",
        ] {
            assert_eq!(parse(s).unwrap().to_string(), s);
        }
    }
}
