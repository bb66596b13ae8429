//! Policies, statements and their parts in a snapshot.

use super::{Damaged, Decoder, Encoder, Table};
use crate::account::AccountId;
use crate::action::ActionPattern;
use crate::arn::ArnPattern;
use crate::condition::{BaseOperator, Condition, ConditionValue, Operator, SetQualifier, Value};
use crate::document::{
    ActionClause, Effect, Policy, PolicyKind, PolicyVersion, PrincipalClause, ResourceClause,
    Statement,
};
use crate::principal::PrincipalEntry;
use crate::template::Template;
use std::sync::Arc;

type Read<T> = Result<T, Damaged>;

impl Encoder {
    pub fn account(&mut self, account: AccountId) {
        self.str(account.as_str());
    }

    /// A policy, written once however many values share it.
    pub fn policy(&mut self, policy: &Arc<Policy>) {
        self.shared(Table::Policy, policy, |encoder, policy| {
            let kind = PolicyKind::ALL
                .iter()
                .position(|kind| *kind == policy.kind)
                .unwrap_or(0);
            encoder.usize(kind);
            encoder.u8(match policy.version {
                PolicyVersion::Current => 0,
                PolicyVersion::Legacy => 1,
                PolicyVersion::Absent => 2,
            });
            encoder.option(policy.id.as_ref(), |encoder, id| {
                encoder.spanned(id, |encoder, text| encoder.str(text));
            });
            encoder.seq(&policy.statements, Self::statement);
            encoder.span(policy.span);
        });
    }

    fn statement(&mut self, statement: &Statement) {
        self.usize(statement.index);
        self.option(statement.sid.as_ref(), |encoder, sid| {
            encoder.spanned(sid, |encoder, text| encoder.str(text));
        });
        self.bool(statement.effect == Effect::Allow);
        self.span(statement.effect_span);
        self.option(statement.principal.as_ref(), |encoder, clause| {
            encoder.bool(clause.negated);
            encoder.seq(&clause.entries, |encoder, entry| {
                encoder.spanned(entry, Self::principal);
            });
            encoder.span(clause.span);
        });
        let action = &statement.action;
        self.bool(action.negated);
        self.seq(&action.patterns, |encoder, pattern| {
            encoder.spanned(pattern, |encoder, pattern| pattern.encode(encoder));
        });
        self.span(action.span);
        self.option(statement.resource.as_ref(), |encoder, clause| {
            encoder.bool(clause.negated);
            encoder.seq(&clause.patterns, |encoder, pattern| {
                encoder.spanned(pattern, |encoder, pattern| pattern.encode(encoder));
            });
            encoder.strings(&clause.texts);
            encoder.span(clause.span);
        });
        self.seq(&statement.conditions, Self::condition);
        self.span(statement.span);
    }

    pub fn principal(&mut self, entry: &PrincipalEntry) {
        match entry {
            PrincipalEntry::Everyone => self.u8(0),
            PrincipalEntry::Account { account } => {
                self.u8(1);
                self.account(*account);
            }
            PrincipalEntry::Role { account, name, arn } => {
                self.u8(2);
                self.account(*account);
                self.str(name);
                self.str(arn);
            }
            PrincipalEntry::AssumedRole {
                account,
                role_name,
                session_name,
                arn,
            } => {
                self.u8(3);
                self.account(*account);
                self.str(role_name);
                self.str(session_name);
                self.str(arn);
            }
            PrincipalEntry::User { account, name, arn } => {
                self.u8(4);
                self.account(*account);
                self.str(name);
                self.str(arn);
            }
            PrincipalEntry::FederatedUser { account, name, arn } => {
                self.u8(5);
                self.account(*account);
                self.str(name);
                self.str(arn);
            }
            PrincipalEntry::CloudFrontOriginAccessIdentity { id, arn } => {
                self.u8(6);
                self.str(id);
                self.str(arn);
            }
            PrincipalEntry::UniqueId { id } => {
                self.u8(7);
                self.str(id);
            }
            PrincipalEntry::Service { name } => {
                self.u8(8);
                self.str(name);
            }
            PrincipalEntry::Federated { provider } => {
                self.u8(9);
                self.str(provider);
            }
            PrincipalEntry::CanonicalUser { id } => {
                self.u8(10);
                self.str(id);
            }
        }
    }

    fn condition(&mut self, condition: &Condition) {
        let operator = condition.operator;
        let base = BaseOperator::all()
            .iter()
            .position(|base| *base == operator.base)
            .unwrap_or(0);
        self.usize(base);
        self.u8(match operator.set {
            None => 0,
            Some(SetQualifier::ForAnyValue) => 1,
            Some(SetQualifier::ForAllValues) => 2,
        });
        self.bool(operator.if_exists);
        self.span(condition.operator_span);
        self.str(&condition.key);
        self.str(&condition.key_lowercase);
        self.span(condition.key_span);
        self.seq(&condition.values, |encoder, value| {
            encoder.value(&value.value);
            encoder.str(&value.text);
            encoder.span(value.span);
        });
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Text(template) => {
                self.u8(0);
                template.encode(self);
            }
            Value::Number(number) => {
                self.u8(1);
                self.f64(*number);
            }
            Value::Date(date) => {
                self.u8(2);
                self.i128(date.as_nanosecond());
            }
            Value::Bool(value) => {
                self.u8(3);
                self.bool(*value);
            }
            Value::Binary(bytes) => {
                self.u8(4);
                self.raw(bytes);
            }
            Value::Ip(network) => {
                self.u8(5);
                self.str(&network.to_string());
            }
            Value::Arn(pattern) => {
                self.u8(6);
                pattern.encode(self);
            }
            Value::Absent(absent) => {
                self.u8(7);
                self.bool(*absent);
            }
            Value::Unreadable => self.u8(8),
        }
    }
}

impl Decoder<'_> {
    pub fn account(&mut self) -> Read<AccountId> {
        self.str()?
            .parse()
            .map_err(|_| Damaged("not an account id"))
    }

    pub fn policy(&mut self) -> Read<Arc<Policy>> {
        self.shared(Table::Policy, |decoder| {
            let kind = *PolicyKind::ALL
                .get(decoder.usize()?)
                .ok_or(Damaged("not a policy kind"))?;
            let version = match decoder.u8()? {
                0 => PolicyVersion::Current,
                1 => PolicyVersion::Legacy,
                2 => PolicyVersion::Absent,
                _ => return Err(Damaged("not a policy version")),
            };
            let id = decoder.option(|decoder| decoder.spanned(Self::string))?;
            let statements = decoder.seq(Self::statement)?;
            Ok(Policy {
                kind,
                version,
                id,
                statements,
                span: decoder.span()?,
            })
        })
    }

    fn statement(&mut self) -> Read<Statement> {
        let index = self.usize()?;
        let sid = self.option(|decoder| decoder.spanned(Self::string))?;
        let effect = if self.bool()? {
            Effect::Allow
        } else {
            Effect::Deny
        };
        let effect_span = self.span()?;
        let principal = self.option(|decoder| {
            Ok(PrincipalClause {
                negated: decoder.bool()?,
                entries: decoder.seq(|decoder| decoder.spanned(Self::principal))?,
                span: decoder.span()?,
            })
        })?;
        let action = ActionClause {
            negated: self.bool()?,
            patterns: self.seq(|decoder| decoder.spanned(ActionPattern::decode))?,
            span: self.span()?,
        };
        let resource = self.option(|decoder| {
            Ok(ResourceClause {
                negated: decoder.bool()?,
                patterns: decoder.seq(|decoder| decoder.spanned(ArnPattern::decode))?,
                texts: decoder.strings()?,
                span: decoder.span()?,
            })
        })?;
        let conditions = self.seq(Self::condition)?;
        Ok(Statement {
            index,
            sid,
            effect,
            effect_span,
            principal,
            action,
            resource,
            conditions,
            span: self.span()?,
        })
    }

    pub fn principal(&mut self) -> Read<PrincipalEntry> {
        Ok(match self.u8()? {
            0 => PrincipalEntry::Everyone,
            1 => PrincipalEntry::Account {
                account: self.account()?,
            },
            2 => PrincipalEntry::Role {
                account: self.account()?,
                name: self.string()?,
                arn: self.string()?,
            },
            3 => PrincipalEntry::AssumedRole {
                account: self.account()?,
                role_name: self.string()?,
                session_name: self.string()?,
                arn: self.string()?,
            },
            4 => PrincipalEntry::User {
                account: self.account()?,
                name: self.string()?,
                arn: self.string()?,
            },
            5 => PrincipalEntry::FederatedUser {
                account: self.account()?,
                name: self.string()?,
                arn: self.string()?,
            },
            6 => PrincipalEntry::CloudFrontOriginAccessIdentity {
                id: self.string()?,
                arn: self.string()?,
            },
            7 => PrincipalEntry::UniqueId { id: self.string()? },
            8 => PrincipalEntry::Service {
                name: self.string()?,
            },
            9 => PrincipalEntry::Federated {
                provider: self.string()?,
            },
            10 => PrincipalEntry::CanonicalUser { id: self.string()? },
            _ => return Err(Damaged("not a principal")),
        })
    }

    fn condition(&mut self) -> Read<Condition> {
        let base = *BaseOperator::all()
            .get(self.usize()?)
            .ok_or(Damaged("not a condition operator"))?;
        let set = match self.u8()? {
            0 => None,
            1 => Some(SetQualifier::ForAnyValue),
            2 => Some(SetQualifier::ForAllValues),
            _ => return Err(Damaged("not a set qualifier")),
        };
        let operator = Operator {
            base,
            set,
            if_exists: self.bool()?,
        };
        Ok(Condition {
            operator,
            operator_span: self.span()?,
            key: self.string()?,
            key_lowercase: self.string()?,
            key_span: self.span()?,
            values: self.seq(|decoder| {
                Ok(ConditionValue {
                    value: decoder.value()?,
                    text: decoder.string()?,
                    span: decoder.span()?,
                })
            })?,
        })
    }

    fn value(&mut self) -> Read<Value> {
        Ok(match self.u8()? {
            0 => Value::Text(Template::decode(self)?),
            1 => Value::Number(self.f64()?),
            2 => Value::Date(
                jiff::Timestamp::from_nanosecond(self.i128()?)
                    .map_err(|_| Damaged("not a timestamp"))?,
            ),
            3 => Value::Bool(self.bool()?),
            4 => Value::Binary(self.raw()?.to_vec()),
            5 => Value::Ip(self.str()?.parse().map_err(|_| Damaged("not a network"))?),
            6 => Value::Arn(ArnPattern::decode(self)?),
            7 => Value::Absent(self.bool()?),
            8 => Value::Unreadable,
            _ => return Err(Damaged("not a condition value")),
        })
    }
}
