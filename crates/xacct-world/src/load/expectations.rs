//! Expectations and intents: the questions a scenario asks of itself, checked for sense as they load.

use super::*;

impl Loader {
    pub(super) fn expect_entry(&mut self, entry: &manifest::ExpectEntry) {
        let allow = match entry.decision.get_ref().as_str() {
            "allow" => true,
            "deny" => false,
            other => {
                self.error(
                    "invalid-decision",
                    span_of(&entry.decision),
                    format!("`decision` must be \"allow\" or \"deny\", found \"{other}\""),
                );
                return;
            }
        };
        let mut context = Vec::new();
        for (spanned_key, spanned_value) in &entry.context {
            let key = spanned_key.get_ref();
            let value = spanned_value.get_ref();
            let converted = match value {
                toml::Value::String(text) => Some(ContextValue::Single(text.clone())),
                toml::Value::Integer(number) => Some(ContextValue::Single(number.to_string())),
                toml::Value::Float(number) => Some(ContextValue::Single(number.to_string())),
                toml::Value::Boolean(flag) => Some(ContextValue::Single(flag.to_string())),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .map(ContextValue::Multi),
                _ => None,
            };
            match converted {
                Some(value) => {
                    // A key or value no request carries (`aws:SourceIp = "nope"`) is an error
                    // here, where it is written, not a failed check at run time.
                    let checked = xacct_eval::Context::new().insert(key, value.clone());
                    match checked {
                        Ok(()) => context.push((key.clone(), value)),
                        Err(error) => {
                            let span = match error {
                                xacct_eval::InvalidContextValue::Key(_) => span_of(spanned_key),
                                xacct_eval::InvalidContextValue::Type { .. } => {
                                    span_of(spanned_value)
                                }
                            };
                            self.error("invalid-context-value", span, error.to_string());
                        }
                    }
                }
                None => {
                    self.error("invalid-context-value", span_of(spanned_value), format!("context key `{key}` must be a string, number, boolean or array of strings"));
                }
            }
        }
        let from = entry.from.get_ref();
        let step_group = from
            .strip_prefix("compute:")
            .is_some_and(|name| self.step_groups.contains_key(name));
        if !self.known_principal(from) && !step_group {
            self.error("unknown-principal", span_of(&entry.from), format!("`{from}` is not an instance profile, role, user, session or compute of the scenario"))
                .help = Some("declare it, or write `compute:NAME` for a [[compute]] entry".to_owned());
            return;
        }
        let via: &[Spanned<String>] = entry.via.as_ref().map_or(&[], |via| via.get_ref());
        let direct = entry
            .direct
            .as_ref()
            .is_some_and(|direct| *direct.get_ref());
        if let Some(listed) = entry.via.as_ref().filter(|via| via.get_ref().is_empty()) {
            // `via = []` reads as "no AssumeRole", but an absent or empty `via` lets xacct
            // search every chain: the user must say which question they mean.
            self.error(
                "empty-via",
                span_of(listed),
                "`via = []` is ambiguous: it does not mean \"no AssumeRole\"",
            )
            .help = Some("to ask with the caller's own credentials only, write `direct = true`; to search every AssumeRole chain, remove `via`".to_owned());
            return;
        }
        if let (Some(flag), false) = (entry.direct.as_ref().filter(|_| direct), via.is_empty()) {
            self.error(
                "direct-with-via",
                span_of(flag),
                "`direct = true` asks without any AssumeRole, but `via` names roles to assume",
            )
            .help = Some("remove `via` to ask with the caller's own credentials, or remove `direct` to ask through the roles `via` names".to_owned());
            return;
        }
        for via in via {
            if !self.world.roles.contains_key(via.get_ref()) {
                self.error(
                    "unknown-role",
                    span_of(via),
                    format!("`{}` in `via` is not a role of the scenario", via.get_ref()),
                );
            }
        }
        let asks_requests = !entry.actions.is_empty() || !entry.resources.is_empty();
        if (asks_requests || entry.read_tables.is_empty())
            && (entry.actions.is_empty() || entry.resources.is_empty())
        {
            self.error(
                "empty-expectation",
                span_of(&entry.name),
                "an expectation needs at least one action and one resource, or `read_tables`",
            );
            return;
        }
        for table in &entry.read_tables {
            let name = table.get_ref();
            let qualified = name.split_once(':').map_or(name.as_str(), |(_, rest)| rest);
            let valid = qualified
                .split_once('.')
                .is_some_and(|(database, name)| !database.is_empty() && !name.is_empty());
            if !valid {
                self.error(
                    "invalid-table-name",
                    span_of(table),
                    format!(
                        "`{}` is not `database.table` or `CATALOG_ID:database.table`",
                        table.get_ref()
                    ),
                );
                return;
            }
        }
        if !self.check_question(entry) {
            return;
        }
        self.check_compute_writes(entry);
        let written_by = self.writer(entry);
        let session_policy = entry.session_policy.as_ref().and_then(|reference| {
            self.policy(
                reference,
                PolicyKind::Session,
                format!(
                    "the session policy of expectation `{}`",
                    entry.name.get_ref()
                ),
            )
        });
        let runs_as = self.runs_as(entry);
        let origin = self.origin(span_of(&entry.name));
        self.push_expectation(Expectation {
            name: entry.name.get_ref().clone(),
            from: from.clone(),
            via: via.iter().map(|via| via.get_ref().clone()).collect(),
            direct,
            actions: entry
                .actions
                .iter()
                .map(|action| action.get_ref().clone())
                .collect(),
            resources: entry
                .resources
                .iter()
                .map(|resource| resource.get_ref().clone())
                .collect(),
            context,
            allow,
            external_ids: entry.external_ids.clone(),
            session_name: entry.session_name.clone(),
            duration_seconds: entry
                .duration_seconds
                .as_ref()
                .map(|value| *value.get_ref()),
            session_tags: entry.session_tags.clone(),
            source_identity: entry.source_identity.clone(),
            session_policy,
            runs_as,
            written_by,
            client_path: None,
            read_tables: entry
                .read_tables
                .iter()
                .map(|table| table.get_ref().clone())
                .collect(),
            columns: entry.columns.clone(),
            region: entry
                .region
                .clone()
                .unwrap_or_else(|| "us-east-1".to_owned()),
            code: None,
            origin,
        });
    }

    /// The OS user and groups an expectation says the job runs as.
    pub(super) fn runs_as(
        &mut self,
        entry: &manifest::ExpectEntry,
    ) -> Option<crate::model::OsUser> {
        let groups: Vec<String> = entry
            .os_groups
            .iter()
            .map(|group| group.get_ref().clone())
            .collect();
        match &entry.os_user {
            Some(user) => {
                let maps_users = entry
                    .from
                    .get_ref()
                    .strip_prefix("compute:")
                    .and_then(|name| {
                        let first = self
                            .step_groups
                            .get(name)
                            .and_then(|members| members.first());
                        self.world.compute.get(first.map_or(name, String::as_str))
                    })
                    .is_some_and(|compute| compute.settings.security_configuration.is_some());
                if !maps_users {
                    self.warning(
                        "os-user-not-used",
                        span_of(user),
                        format!(
                            "`os_user` is `{}`, but `{}` is not a compute with an EMR security configuration: no EMRFS role mapping reads it",
                            user.get_ref(),
                            entry.from.get_ref()
                        ),
                    )
                    .help = Some("give the compute's `security_configuration`, or remove `os_user` and `os_groups`".to_owned());
                }
                Some(crate::model::OsUser {
                    user: user.get_ref().clone(),
                    groups,
                })
            }
            None => {
                if let Some(first) = entry.os_groups.first() {
                    self.error(
                        "groups-without-user",
                        span_of(first),
                        "`os_groups` names the groups of the user the job runs as, but `os_user` is not given",
                    )
                    .help = Some("add `os_user` (EMR runs jobs as `hadoop` unless told otherwise)".to_owned());
                }
                None
            }
        }
    }

    /// Every action of an expectation must exist and act on one of its resources
    /// ([`crate::question`]): errors at the action otherwise. False when one was found.
    pub(super) fn check_question(&mut self, entry: &manifest::ExpectEntry) -> bool {
        let actions: Vec<&str> = entry.actions.iter().map(|a| a.get_ref().as_str()).collect();
        let resources: Vec<&str> = entry
            .resources
            .iter()
            .map(|r| r.get_ref().as_str())
            .collect();
        let problems = crate::question::check_all(&actions, &resources);
        for (index, problem) in &problems {
            if let Some(action) = entry.actions.get(*index) {
                self.error("invalid-question", span_of(action), problem.message.clone())
                    .help = problem.help.clone();
            }
        }
        problems.is_empty()
    }

    /// A compute that writes to a bucket of another account with ACLs enabled, without
    /// sending `bucket-owner-full-control`, leaves the objects owned by its own account: the
    /// bucket owner's policy then cannot grant anyone access to them
    /// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>).
    /// The writes come from the expectation: a `s3:PutObject` from `compute:NAME`.
    pub(super) fn check_compute_writes(&mut self, entry: &manifest::ExpectEntry) {
        let Some(compute) = entry
            .from
            .get_ref()
            .strip_prefix("compute:")
            .and_then(|name| self.world.compute.get(name))
        else {
            return;
        };
        let writes = entry
            .actions
            .iter()
            .any(|action| action.get_ref().eq_ignore_ascii_case("s3:PutObject"));
        if !writes {
            return;
        }
        let mut problems = Vec::new();
        for resource in &entry.resources {
            let Some((bucket_name, key)) = resource
                .get_ref()
                .strip_prefix("arn:aws:s3:::")
                .and_then(|path| path.split_once('/'))
            else {
                continue;
            };
            let Some(bucket) = self.world.buckets.get(bucket_name) else {
                continue;
            };
            if !bucket.ownership.acls_enabled() {
                continue;
            }
            let Some((writer, without_bofc)) =
                compute_write(compute, &self.world, bucket_name, key)
            else {
                continue;
            };
            let given = entry.context.iter().find_map(|(name, value)| {
                name.get_ref()
                    .eq_ignore_ascii_case("s3:x-amz-acl")
                    .then(|| value.get_ref().as_str())
                    .flatten()
            });
            if given.is_some() || !without_bofc || writer == bucket.account {
                continue;
            }
            problems.push(format!(
                "compute `{}` writes to `{bucket_name}` (account {}, Object Ownership {}) as account {writer} without `bucket-owner-full-control`: the objects it writes will belong to {writer}, and the bucket policy of {} cannot grant access to them: only their ACLs can",
                compute.name,
                bucket.account,
                bucket.ownership.name(),
                bucket.account,
            ));
        }
        for message in problems {
            self.push(Finding::warning(
                "cross-account-write-without-bucket-owner-full-control",
                span_of(&entry.from),
                message,
            ))
            .help = Some("set `fs.s3a.acl.default` to `BucketOwnerFullControl` in the cluster's spark_conf (EMR: `fs.s3.canned.acl`), or set the bucket's Object Ownership to BucketOwnerEnforced".to_owned());
        }
    }

    /// An `[[intent]]` table, checked as far as the world allows; `xacct plan` does the rest.
    pub(super) fn intent_entry(&mut self, entry: &manifest::IntentEntry) {
        let text = entry.compute.get_ref();
        // A Unity Catalog storage credential: the master role asks, through the credential's role.
        let credential = self.uc_intent_credential(entry);
        let from = ["databricks:", "emr:", "glue-job:", "job:", "cluster:"]
            .iter()
            .find_map(|prefix| text.strip_prefix(prefix))
            .map_or_else(|| text.clone(), |name| format!("compute:{name}"));
        let from = credential
            .as_ref()
            .map_or(from, |(_, master_role, _)| master_role.clone());
        if !self.known_principal(&from) {
            self.error("unknown-principal", span_of(&entry.compute), format!("`{text}` is not a compute, instance profile or role of the scenario"))
                .help = Some("write `databricks:NAME` (or emr:, glue-job:) for a [[compute]] entry, or an instance profile or role ARN".to_owned());
            return;
        }
        let (read, write) = match entry.access.get_ref().as_str() {
            "read" => (true, false),
            "write" => (false, true),
            "read-write" => (true, true),
            other => {
                self.error(
                    "invalid-access",
                    span_of(&entry.access),
                    format!("`access` is read, write or read-write, not `{other}`"),
                );
                return;
            }
        };
        let target_text = entry.target.get_ref();
        let target = if let Some(path) = target_text.strip_prefix("s3://") {
            let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
            if !self.world.buckets.contains_key(bucket) {
                self.error(
                    "unknown-bucket",
                    span_of(&entry.target),
                    format!("bucket `{bucket}` is not declared"),
                )
                .help = Some(
                    "declare it with [[bucket]] (name, account), so the plan knows whose it is"
                        .to_owned(),
                );
                return;
            }
            crate::model::IntentTarget::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            }
        } else if target_text.starts_with("arn:aws:kinesis:") {
            if !self.world.streams.contains_key(target_text) {
                self.error(
                    "unknown-stream",
                    span_of(&entry.target),
                    format!("stream `{target_text}` is not declared"),
                );
                return;
            }
            crate::model::IntentTarget::Stream {
                arn: target_text.clone(),
            }
        } else if let Some((database, table)) = target_text
            .split_once(':')
            .map_or(target_text.as_str(), |(_, rest)| rest)
            .split_once('.')
        {
            let named = target_text
                .split_once(':')
                .and_then(|(catalog, _)| catalog.parse::<AccountId>().ok());
            // The table's owner: the catalog named, or the one catalog that holds the table.
            let owners: Vec<AccountId> = self
                .world
                .lake
                .catalogs
                .values()
                .filter(|catalog| named.is_none_or(|account| catalog.account == account))
                .filter(|catalog| {
                    catalog
                        .tables
                        .get(&(database.to_owned(), table.to_owned()))
                        .is_some_and(|found| found.target.is_none())
                })
                .map(|catalog| catalog.account)
                .collect();
            match owners.as_slice() {
                [owner] => crate::model::IntentTarget::Table {
                    catalog: *owner,
                    database: database.to_owned(),
                    table: table.to_owned(),
                },
                [] => {
                    self.error(
                        "unknown-table",
                        span_of(&entry.target),
                        format!("no catalog of the scenario holds the table `{database}.{table}`"),
                    )
                    .help = Some(
                        "declare it in a [[catalog.table]], or write CATALOG_ID:database.table"
                            .to_owned(),
                    );
                    return;
                }
                _ => {
                    self.error("ambiguous-table", span_of(&entry.target), format!("several catalogs hold `{database}.{table}`: write CATALOG_ID:database.table"));
                    return;
                }
            }
        } else {
            self.error("invalid-target", span_of(&entry.target), format!("`{target_text}` is not an s3:// location, a Kinesis stream ARN or a `database.table`"));
            return;
        };
        let written = entry.route.as_ref().map(|route| route.get_ref().as_str());
        let route = match (credential.is_some(), written) {
            (true, None | Some("unity-catalog")) => crate::model::Route::UnityCatalog,
            (false, None | Some("assume-role")) => crate::model::Route::AssumeRole,
            (false, Some("resource-policy")) => crate::model::Route::ResourcePolicy,
            (false, Some("lake-formation")) => crate::model::Route::LakeFormation,
            (false, Some("access-point")) => crate::model::Route::AccessPoint,
            (_, other) => {
                let other = other.unwrap_or_default();
                if let Some(route) = &entry.route {
                    self.error("invalid-route", span_of(route), format!("`route` is assume-role, resource-policy, lake-formation, access-point or (for `compute = \"storage-credential:NAME\"`) unity-catalog, not `{other}`"));
                }
                return;
            }
        };
        let external_id_generated = entry
            .external_id
            .as_ref()
            .is_some_and(|id| id.get_ref() == "generate");
        let external_id = match entry.external_id.as_ref().map(|id| id.get_ref().as_str()) {
            None | Some("none") => None,
            Some("generate") => match crate::names::generate_external_id() {
                Ok(id) => Some(id),
                Err(message) => {
                    if let Some(id) = &entry.external_id {
                        self.error("external-id-not-generated", span_of(id), message);
                    }
                    return;
                }
            },
            Some(value) => Some(value.to_owned()),
        };
        // The external id of a Unity Catalog credential is Databricks': the declared
        // credential's, or the Databricks account id the intent gives.
        let external_id = match (&credential, external_id) {
            (Some((_, _, Some(declared))), _) => Some(declared.clone()),
            (Some(_), None) => {
                self.error("uc-intent-without-account-id", span_of(&entry.compute), "a new storage credential needs the Databricks account id, which Unity Catalog passes as external id")
                    .help = Some("write `external_id = \"DATABRICKS_ACCOUNT_ID\"` in the intent".to_owned());
                return;
            }
            (_, external_id) => external_id,
        };
        let encryption_key = match &entry.encryption {
            None => None,
            Some(text) => match text.get_ref().strip_prefix("kms:") {
                Some(key) if key.starts_with("arn:aws:kms:") => Some(key.to_owned()),
                _ => {
                    self.error(
                        "invalid-encryption",
                        span_of(text),
                        "`encryption` is `kms:KEY_ARN`",
                    );
                    return;
                }
            },
        };
        let origin = self.origin(span_of(&entry.name));
        self.world.intents.push(crate::model::Intent {
            name: entry.name.get_ref().clone(),
            from,
            read,
            write,
            target,
            route,
            external_id,
            external_id_generated,
            encryption_key,
            role_name: entry.role_name.as_ref().map(|name| name.get_ref().clone()),
            engine: ["databricks", "emr", "glue-job"]
                .iter()
                .find(|engine| text.starts_with(&format!("{engine}:")))
                .map(|engine| (*engine).to_owned()),
            link: entry.link.as_ref().map(|link| link.get_ref().clone()),
            organization_wide: match entry
                .audience
                .as_ref()
                .map(|audience| audience.get_ref().as_str())
            {
                None | Some("account") => false,
                Some("organization") => true,
                Some(other) => {
                    if let Some(audience) = &entry.audience {
                        self.error(
                            "invalid-audience",
                            span_of(audience),
                            format!("`audience` is account or organization, not `{other}`"),
                        );
                    }
                    return;
                }
            },
            credential: credential.map(|(name, _, _)| name),
            origin,
        });
    }

    /// Adds an expectation; one of `compute:NAME` whose steps run as several runtime roles
    /// is asked of each (`compute:NAME/ROLE`), and holds only if it holds for every one.
    fn push_expectation(&mut self, expectation: Expectation) {
        let members = expectation
            .from
            .strip_prefix("compute:")
            .and_then(|name| self.step_groups.get(name))
            .cloned();
        let Some(members) = members else {
            self.world.expectations.push(expectation);
            return;
        };
        for member in members {
            let mut one = expectation.clone();
            one.name = format!("{} (as {member})", expectation.name);
            one.from = format!("compute:{member}");
            self.world.expectations.push(one);
        }
    }

    pub(super) fn known_principal(&self, from: &str) -> bool {
        from.strip_prefix("compute:")
            .map(|name| self.world.compute.contains_key(name))
            .unwrap_or_else(|| {
                self.world.roles.contains_key(from)
                    || self.world.users.contains_key(from)
                    || self.world.instance_profiles.contains_key(from)
                    || from.starts_with("arn:aws:sts::")
            })
    }

    pub(super) fn writer(&mut self, entry: &manifest::ExpectEntry) -> Option<crate::model::Writer> {
        let acl = match &entry.written_acl {
            None => None,
            Some(text) => match xacct_s3::CannedAcl::from_header(text.get_ref()) {
                Ok(acl) => Some(acl),
                Err(error) => {
                    self.error("invalid-canned-acl", span_of(text), error.to_string());
                    None
                }
            },
        };
        let Some(from) = &entry.written_by else {
            if let Some(text) = &entry.written_acl {
                self.error(
                    "written-acl-without-writer",
                    span_of(text),
                    "`written_acl` says which ACL the writer sent, but `written_by` does not name the writer",
                )
                .help = Some("add `written_by = \"compute:NAME\"` or the writer's ARN".to_owned());
            }
            return None;
        };
        if !self.known_principal(from.get_ref()) {
            self.error("unknown-principal", span_of(from), format!("`{}` is not an instance profile, role, user, session or compute of the scenario", from.get_ref()))
                .help = Some("declare it, or write `compute:NAME` for a [[compute]] entry".to_owned());
            return None;
        }
        Some(crate::model::Writer {
            from: from.get_ref().clone(),
            acl,
        })
    }

    /// A trust policy that names a role or user in an account the world knows, which the world
    /// does not have, is almost always a typo (AWS itself refuses to save it).
    pub(super) fn check_trust_references(&mut self) {
        // Roles are keyed by ARN, which carries the path; a trust policy names the role by
        // account and name only, so index those once rather than scanning per principal.
        let role_names: std::collections::HashSet<(AccountId, &str)> = self
            .world
            .roles
            .values()
            .map(|role| (role.account, role.name.as_str()))
            .collect();
        let mut dangling = Vec::new();
        for role in self.world.roles.values() {
            for statement in &role.trust.policy.statements {
                let Some(principal) = &statement.principal else {
                    continue;
                };
                for entry in &principal.entries {
                    let (account, arn, kind) = match &entry.value {
                        xacct_policy::PrincipalEntry::Role { account, arn, .. } => {
                            (*account, arn, "role")
                        }
                        xacct_policy::PrincipalEntry::User { account, arn, .. } => {
                            (*account, arn, "user")
                        }
                        _ => continue,
                    };
                    let exists = match kind {
                        "role" => arn
                            .rsplit('/')
                            .next()
                            .is_some_and(|name| role_names.contains(&(account, name))),
                        _ => self.world.users.contains_key(arn),
                    };
                    if !exists && self.world.accounts.contains_key(&account) {
                        dangling.push((role.trust.source.clone(), entry.span, format!("the trust policy of `{}` names {kind} `{arn}`, which is not in the scenario although account {account} is", role.arn)));
                    }
                }
            }
        }
        for (source, span, message) in dangling {
            let finding = Finding::warning("dangling-principal", span, message)
                .with_help("AWS refuses to save a trust policy naming a principal that does not exist: declare it or fix the ARN");
            match source {
                Some(source) => self.findings.push(finding.in_source(&source)),
                None => {
                    self.push(finding);
                }
            }
        }
    }
}
