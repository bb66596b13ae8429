//! The served world and the one place requests are decided: `World::request` builds the same
//! engine request `xacct check` builds, `xacct_eval::authorize` decides it, and each decision
//! is written to the decision log.

use jiff::Timestamp;
use serde::Serialize;
use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;
use xacct_eval::{authorize, ContextValue, Decision, Explanation, Gap, Layer, Request, Response};
use xacct_paths::assume::step_reason;
use xacct_paths::Step;
use xacct_world::{RequestError, Session, World};

/// A decision, in the forms the clients and the log need.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub allowed: bool,
    /// AWS's message: `User: ARN is not authorized to perform: ACTION on resource: ARN
    /// because ...`.
    pub message: String,
    /// xacct's one-line reason (safe for a header: printable ASCII).
    pub reason: String,
}

/// One line of the decision log.
#[derive(Serialize)]
struct LogLine<'a> {
    time: String,
    principal: &'a str,
    action: &'a str,
    resource: &'a str,
    decision: &'static str,
    reason: &'a str,
    explanation: String,
}

/// The world, its clock and the decision log.
pub struct Engine {
    world: RwLock<World>,
    clock: Mutex<Instant>,
    log: Option<Mutex<File>>,
}

/// The lock was poisoned by a panic elsewhere: the world is still whole (every writer
/// replaces fields), so it is used as is.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Engine {
    pub fn new(world: World, log: Option<&Path>) -> std::io::Result<Self> {
        let log = match log {
            Some(path) => Some(Mutex::new(
                File::options().create(true).append(true).open(path)?,
            )),
            None => None,
        };
        Ok(Self {
            world: RwLock::new(world),
            clock: Mutex::new(Instant::now()),
            log,
        })
    }

    /// The world, for reading.
    pub fn world(&self) -> RwLockReadGuard<'_, World> {
        self.tick();
        read(&self.world)
    }

    /// The world, for a change (a bucket created, a policy put).
    pub fn world_mut(&self) -> RwLockWriteGuard<'_, World> {
        self.world
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Requests are decided at the time they are made (`aws:CurrentTime`), to the second.
    fn tick(&self) {
        let Ok(mut last) = self.clock.lock() else {
            return;
        };
        if last.elapsed().as_millis() >= 500 {
            *last = Instant::now();
            drop(last);
            self.world_mut().request_time = xacct_eval::RequestTime::now();
        }
    }

    /// Decides `session` doing `action` on `resource` with extra context keys.
    pub fn decide(
        &self,
        session: &Session,
        action: &str,
        resource: &str,
        context: &[(String, ContextValue)],
    ) -> Result<Verdict, RequestError> {
        let request = self.world().request(session, action, resource, context)?;
        let response = authorize(&request);
        Ok(self.verdict(request, response))
    }

    /// Decides an AWS service principal doing `action` on `resource` (Lake Formation assuming
    /// the role of a registered location): the resource policy (the trust policy) decides.
    pub fn decide_service(
        &self,
        service: &str,
        action: &str,
        resource: &str,
    ) -> Result<Verdict, RequestError> {
        let request = self.world().service_request(service, action, resource)?;
        let response = authorize(&request);
        Ok(self.verdict(request, response))
    }

    /// Whether the request is allowed by the policies alone, its KMS grants left out: a
    /// principal whose `kms:CreateGrant` comes from a grant may create only narrower grants.
    pub fn allowed_without_grants(
        &self,
        session: &Session,
        action: &str,
        resource: &str,
        context: &[(String, ContextValue)],
    ) -> Result<bool, RequestError> {
        let mut request = self.world().request(session, action, resource, context)?;
        request.policies.grants.clear();
        Ok(authorize(&request).decision == Decision::Allow)
    }

    /// Turns a decided request into a verdict, and logs it. An allowed request without a
    /// log is answered without building its explanation (the common, fast case).
    pub fn verdict(&self, request: Request, response: Response) -> Verdict {
        let allowed = response.decision == Decision::Allow;
        if allowed && self.log.is_none() {
            return Verdict {
                allowed,
                message: String::new(),
                reason: String::new(),
            };
        }
        let message = denial_message(&request, &response);
        let step = Step { request, response };
        let reason = header_safe(&step_reason(&step));
        if self.log.is_some() {
            let explanation = Explanation::new(&step.request, &step.response).to_text();
            self.log(&step, &reason, explanation);
        }
        Verdict {
            allowed,
            message,
            reason,
        }
    }

    /// Writes one decision; a log that cannot be written is reported once per failure on
    /// standard error, and the request is still answered.
    pub fn log(&self, step: &Step, reason: &str, explanation: String) {
        let caller = step.request.caller.identity_arn();
        self.write_line(&LogLine {
            time: Timestamp::now().to_string(),
            principal: &caller,
            action: step.request.action.as_str(),
            resource: &step.request.resource.to_string(),
            decision: step.response.decision.name(),
            reason,
            explanation,
        });
    }

    /// Logs a refusal decided outside the engine (Lake Formation's grants): the operation,
    /// xacct's reason and the answer the client got, which names the resource.
    pub fn log_refusal(&self, principal: &str, operation: &str, reason: &str, answer: &str) {
        self.write_line(&LogLine {
            time: Timestamp::now().to_string(),
            principal,
            action: operation,
            resource: "",
            decision: "LakeFormationDenied",
            reason,
            explanation: answer.to_owned(),
        });
    }

    fn write_line(&self, line: &LogLine<'_>) {
        let Some(log) = &self.log else {
            return;
        };
        let Ok(mut text) = serde_json::to_string(line) else {
            return;
        };
        text.push('\n');
        if let Ok(mut file) = log.lock() {
            if let Err(error) = file.write_all(text.as_bytes()) {
                eprintln!("xacct serve: the decision log cannot be written: {error}");
            }
        }
    }
}

/// AWS's AccessDenied message for IAM-evaluated services: who, what, on which resource, and
/// which kind of policy refused
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>).
pub fn denial_message(request: &Request, response: &Response) -> String {
    let caller = request.caller.identity_arn();
    let action = request.action.as_str();
    let resource = request.resource.to_string();
    let because = match response.decision {
        Decision::Allow => return String::new(),
        Decision::ExplicitDeny => {
            let kind = response
                .denies
                .first()
                .map_or("policy", |reference| policy_kind(reference.layer));
            format!("with an explicit deny in a {kind}")
        }
        Decision::ImplicitDeny => {
            let kind = match response.gaps.first() {
                Some(Gap::ScpLevel { .. }) => "service control policy",
                Some(Gap::ResourcePolicy) => "resource-based policy",
                Some(Gap::PermissionBoundary) => "permissions boundary",
                Some(Gap::SessionPolicy) => "session policy",
                Some(Gap::Identity) | None => "identity-based policy",
            };
            format!("because no {kind} allows the {action} action")
        }
    };
    format!(
        "User: {caller} is not authorized to perform: {action} on resource: {resource} {because}"
    )
}

fn policy_kind(layer: Layer) -> &'static str {
    match layer {
        Layer::Rcp => "resource control policy",
        Layer::Scp => "service control policy",
        Layer::ResourcePolicy => "resource-based policy",
        Layer::Identity => "identity-based policy",
        Layer::PermissionBoundary => "permissions boundary",
        Layer::SessionPolicy => "session policy",
    }
}

/// One line of printable ASCII: what an HTTP header may carry.
pub fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_one_line_of_ascii() {
        assert_eq!(header_safe("a\nb\r\n\tc – d"), "a b c d");
    }
}
