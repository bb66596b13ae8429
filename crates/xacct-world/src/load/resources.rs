//! Buckets, KMS keys (with their grants) and Kinesis streams of a manifest, and the settings files compute reads.

use super::*;

impl Loader {
    pub(super) fn bucket_entry(&mut self, entry: &manifest::BucketEntry) {
        let Some(account) = self.account(&entry.account) else {
            return;
        };
        let name = entry.name.get_ref().clone();
        self.ensure_account(account, span_of(&entry.account));
        let policy = entry.policy.as_ref().and_then(|reference| {
            self.policy(
                reference,
                PolicyKind::Resource,
                format!("bucket policy of {name}"),
            )
        });
        let ownership = match &entry.ownership {
            None => xacct_s3::ObjectOwnership::default(),
            Some(text) => match text.get_ref().parse::<xacct_s3::ObjectOwnership>() {
                Ok(ownership) => ownership,
                Err(error) => {
                    self.error("invalid-ownership", span_of(text), error.to_string())
                        .help = Some(
                        "one of BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter".to_owned(),
                    );
                    xacct_s3::ObjectOwnership::default()
                }
            },
        };
        let region = entry
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_owned());
        let encryption = self.bucket_encryption(entry, account, &region);
        let origin = self.origin(span_of(&entry.name));
        let block_public_access = entry.block_public_access.map_or(
            xacct_s3::BlockPublicAccess::ALL,
            manifest::BlockPublicAccessEntry::switches,
        );
        if let (Some(policy), Some(reference)) = (&policy, &entry.policy) {
            let settings = self
                .world
                .block_public_access_with(account, block_public_access);
            if let Err(error) = xacct_s3::put_bucket_policy_allowed(&settings, &policy.policy) {
                self.push(Finding::warning(
                    "public-policy-blocked",
                    span_of(reference),
                    format!("S3 refuses to save this bucket policy of `{name}`: {error}"),
                ))
                .help = Some("a bucket created since April 2023 has every Block Public Access switch on unless it was turned off: say which are on with `block_public_access = { BlockPublicPolicy = false, ... }`, or make the policy non-public (name principals, or pin it with aws:PrincipalOrgID, aws:SourceVpce, ...)".to_owned());
            }
        }
        self.world.buckets.insert(
            name.clone(),
            Bucket {
                name,
                account,
                // Kept unset when the manifest says nothing, so answers can say the Region is
                // assumed (`Bucket::region_or_default`).
                region: entry.region.clone(),
                policy,
                ownership,
                encryption,
                block_public_access,
                origin,
            },
        );
    }

    /// The AWS managed key `aws/s3` of an account and Region, with the policy AWS gives it. It
    /// exists implicitly wherever S3 may use it: as a bucket's default encryption, or for an
    /// upload that asks for SSE-KMS without naming a key.
    pub(super) fn ensure_aws_managed_s3_key(
        &mut self,
        account: AccountId,
        region: &str,
        span: Span,
    ) {
        let key_arn = aws_managed_s3_key_arn(account, region);
        if self.world.keys.contains_key(&key_arn) {
            return;
        }
        let document = xacct_s3::aws_managed_s3_key_policy(account, region);
        let parsed = parse_policy(&document, PolicyKind::Resource);
        let origin = self.origin(span);
        let label = format!("key policy of {key_arn} (AWS managed aws/s3)");
        self.world.keys.insert(
            key_arn.clone(),
            Key {
                arn: key_arn,
                account,
                region: region.to_owned(),
                policy: Some(SourcedPolicy::new(parsed.policy, label)),
                aws_managed: true,
                aliases: vec!["alias/aws/s3".to_owned()],
                grants: Vec::new(),
                origin,
            },
        );
    }

    pub(super) fn bucket_encryption(
        &mut self,
        entry: &manifest::BucketEntry,
        account: AccountId,
        region: &str,
    ) -> xacct_s3::DefaultEncryption {
        self.ensure_aws_managed_s3_key(account, region, span_of(&entry.name));
        let Some(text) = &entry.encryption else {
            return xacct_s3::DefaultEncryption::SseS3;
        };
        match text.get_ref().as_str() {
            "sse-s3" | "AES256" => xacct_s3::DefaultEncryption::SseS3,
            "aws/s3" | "alias/aws/s3" => xacct_s3::DefaultEncryption::AwsManagedKms,
            key if key.starts_with("arn:aws:kms:") => {
                if !key.contains(":key/") {
                    self.error(
                        "invalid-encryption-key",
                        span_of(text),
                        format!("`{key}` is not a key ARN: S3 default encryption must name the key by its full ARN (an alias resolves in the caller's account)"),
                    );
                }
                xacct_s3::DefaultEncryption::SseKms {
                    key_arn: key.to_owned(),
                    bucket_key: entry.bucket_key,
                }
            }
            other => {
                self.error(
                    "invalid-encryption",
                    span_of(text),
                    format!("`{other}` is not a default encryption"),
                )
                .help = Some("write `sse-s3`, `aws/s3`, or the ARN of a KMS key".to_owned());
                xacct_s3::DefaultEncryption::SseS3
            }
        }
    }

    /// Reads one settings file of a compute entry with `parse`, reporting its findings.
    pub(super) fn settings_file<T>(
        &mut self,
        path: Option<&Spanned<String>>,
        parse: impl Fn(&str) -> xacct_compute::Parsed<T>,
    ) -> Option<T> {
        self.settings_file_sourced(path, parse)
            .map(|(value, _)| value)
    }

    /// [`Loader::settings_file`], with the file read, for findings made later about what it
    /// holds.
    pub(crate) fn settings_file_sourced<T>(
        &mut self,
        path: Option<&Spanned<String>>,
        parse: impl Fn(&str) -> xacct_compute::Parsed<T>,
    ) -> Option<(T, Arc<SourceFile>)> {
        let path = path?;
        let full = normalize(&self.base.join(path.get_ref()));
        let text = self.read_file(
            &full,
            files::POLICY_LIMIT,
            "a settings file",
            ("missing-settings-file", span_of(path)),
        )?;
        let source = SourceFile::new(full.display().to_string(), text);
        let parsed = parse(source.text());
        for finding in &parsed.findings {
            self.findings.push(finding.in_source(&source));
        }
        parsed.value.map(|value| (value, source))
    }

    pub(super) fn compute_settings(
        &mut self,
        entry: &manifest::ComputeEntry,
    ) -> crate::model::ComputeSettings {
        crate::model::ComputeSettings {
            // Read by `databricks_clusters`: a file may hold several.
            databricks: None,
            mounts: self.settings_file(entry.mounts.as_ref(), xacct_compute::parse_mounts),
            kinesis: self
                .settings_file(entry.kinesis.as_ref(), xacct_compute::parse_kinesis_options),
            emr: self.settings_file(entry.emr_cluster.as_ref(), xacct_compute::parse_emr_cluster),
            security_configuration: self.settings_file(
                entry.security_configuration.as_ref(),
                xacct_compute::parse_security_configuration,
            ),
            emr_user: entry
                .emr_user
                .clone()
                .unwrap_or_else(|| "hadoop".to_owned()),
            glue: self.settings_file(entry.glue_job.as_ref(), xacct_compute::parse_glue_job),
            runtime_role: None,
            runtime_role_steps: Vec::new(),
        }
    }

    /// A regional ARN of `service` whose resource starts with `prefix`.
    pub(super) fn regional_arn(
        &mut self,
        text: &Spanned<String>,
        service: &str,
        prefix: &str,
    ) -> Option<(AccountId, String, String)> {
        let parsed = text.get_ref().parse::<Arn>().ok().and_then(|arn| {
            let account = arn.account()?;
            let rest = arn.resource().strip_prefix(prefix)?;
            (arn.service() == service && !arn.region().is_empty() && !rest.is_empty())
                .then(|| (account, arn.region().to_owned(), rest.to_owned()))
        });
        if parsed.is_none() {
            self.error(
                "invalid-arn",
                span_of(text),
                format!("`{}` is not a {service} `{prefix}` ARN", text.get_ref()),
            )
            .help = Some(format!(
                "write it as `arn:aws:{service}:REGION:ACCOUNT:{prefix}NAME`"
            ));
        }
        parsed
    }

    pub(super) fn key_entry(&mut self, entry: &manifest::KeyEntry) {
        let Some((account, region, _)) = self.regional_arn(&entry.arn, "kms", "key/") else {
            return;
        };
        let arn = entry.arn.get_ref().clone();
        self.ensure_account(account, span_of(&entry.arn));
        let policy = match (&entry.policy, entry.aws_managed) {
            (Some(reference), false) => self.policy(
                reference,
                PolicyKind::Resource,
                format!("key policy of {arn}"),
            ),
            (Some(reference), true) => {
                self.error("aws-managed-key-policy", span_of(reference), "an AWS managed key's policy is AWS's own: remove `policy`, or set `aws_managed = false`");
                None
            }
            (None, true) => Some(aws_managed_key_policy(
                account,
                &region,
                &entry.aliases,
                &arn,
            )),
            (None, false) => {
                self.error("missing-key-policy", span_of(&entry.arn), format!("key `{arn}` has no key policy: every KMS key has exactly one, and it is the root of authority over the key"))
                    .help = Some("add `policy = \"key-policy.json\"` (aws kms get-key-policy --key-id ... --policy-name default)".to_owned());
                None
            }
        };
        let grants = entry
            .grant
            .iter()
            .enumerate()
            .filter_map(|(index, grant)| self.key_grant(&arn, index, grant))
            .collect();
        let origin = self.origin(span_of(&entry.arn));
        self.world.keys.insert(
            arn.clone(),
            Key {
                arn,
                account,
                region,
                policy,
                aws_managed: entry.aws_managed,
                aliases: entry.aliases.clone(),
                grants,
                origin,
            },
        );
    }

    /// A KMS grant as the policy statements it amounts to: an Allow naming the grantee for the
    /// grant's operations. Encryption context constraints become conditions on the
    /// cryptographic operations only, which are the operations KMS applies them to
    /// (<https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html>);
    /// `DescribeKey`, `RetireGrant` and `CreateGrant` are allowed without them (see
    /// [`crate::kms_grant::grant_document`]).
    /// <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html>
    pub(crate) fn key_grant(
        &mut self,
        key: &str,
        index: usize,
        grant: &manifest::KeyGrantEntry,
    ) -> Option<SourcedPolicy> {
        let grantee = grant.grantee.get_ref();
        if grantee
            .parse::<Arn>()
            .ok()
            .and_then(|arn| arn.account())
            .is_none()
        {
            self.error(
                "invalid-grantee",
                span_of(&grant.grantee),
                format!("grantee `{grantee}` is not the ARN of an AWS principal"),
            )
            .help = Some(
                "a grant names a role, user, assumed-role session or account root by its ARN"
                    .to_owned(),
            );
            return None;
        }
        let mut operations = Vec::new();
        for operation in &grant.operations {
            let name = operation.get_ref().trim_start_matches("kms:");
            match crate::kms_grant::grant_operation(name) {
                Some(known) => operations.push(known),
                None => {
                    self.error(
                        "unknown-grant-operation",
                        span_of(operation),
                        format!("`{name}` is not a KMS grant operation"),
                    )
                    .help = Some(format!("one of {}", GRANT_OPERATIONS.join(", ")));
                }
            }
        }
        let constraint = match (
            &grant.encryption_context_subset,
            &grant.encryption_context_equals,
        ) {
            (Some(_), Some(_)) => {
                self.error(
                    "conflicting-grant-constraints",
                    span_of(&grant.grantee),
                    "a grant has either `encryption_context_subset` or `encryption_context_equals`, not both",
                );
                return None;
            }
            (Some(pairs), None) => Some(crate::kms_grant::GrantConstraint::Subset(pairs.clone())),
            (None, Some(pairs)) => Some(crate::kms_grant::GrantConstraint::Equals(pairs.clone())),
            (None, None) => None,
        };
        let name = grant
            .name
            .clone()
            .unwrap_or_else(|| format!("grant[{index}]"));
        let document = crate::kms_grant::grant_document(grantee, &operations, constraint.as_ref())?;
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        let label = format!("KMS grant `{name}` on {key}");
        let source = SourceFile::new(
            format!("{} ({label}, as policy statements)", self.manifest.name),
            text,
        );
        let parsed = parse_policy(source.text(), PolicyKind::Resource);
        Some(SourcedPolicy::new(parsed.policy, label).with_source(source))
    }

    pub(super) fn stream_entry(&mut self, entry: &manifest::StreamEntry) {
        let Some((account, region, name)) = self.regional_arn(&entry.arn, "kinesis", "stream/")
        else {
            return;
        };
        let arn = entry.arn.get_ref().clone();
        self.ensure_account(account, span_of(&entry.arn));
        let policy = entry.policy.as_ref().and_then(|reference| {
            self.policy(
                reference,
                PolicyKind::Resource,
                format!("stream policy of {name}"),
            )
        });
        let mut consumers = BTreeMap::new();
        for consumer in &entry.consumer {
            let consumer_arn = consumer.arn.get_ref();
            if !consumer_arn.starts_with(&format!("{arn}/consumer/")) {
                self.error(
                    "invalid-arn",
                    span_of(&consumer.arn),
                    format!("`{consumer_arn}` is not a consumer of `{arn}`"),
                )
                .help = Some(format!(
                    "consumer ARNs look like `{arn}/consumer/NAME:CREATION_TIMESTAMP`"
                ));
                continue;
            }
            let policy = consumer.policy.as_ref().and_then(|reference| {
                self.policy(
                    reference,
                    PolicyKind::Resource,
                    format!("consumer policy of {consumer_arn}"),
                )
            });
            consumers.insert(consumer_arn.clone(), policy);
        }
        let origin = self.origin(span_of(&entry.arn));
        self.world.streams.insert(
            arn.clone(),
            Stream {
                arn,
                account,
                region,
                name,
                policy,
                encryption_key: entry
                    .encryption_key
                    .as_ref()
                    .map(|key| key.get_ref().clone()),
                consumers,
                origin,
            },
        );
    }
}
