//! Reading the JSON a plan is shown as (`terraform show -json tfplan`): the resources of one
//! side (prior state or planned values), with what is unknown until apply, the configuration
//! expressions they were written with, and the account and Region of their provider.
//! Format: <https://developer.hashicorp.com/terraform/internals/json-format>.

use super::{Side, TerraformError};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One resource instance of the side read.
pub(crate) struct Resource {
    /// `module.x.aws_iam_role.y[0]`: what Terraform and a PR comment call it.
    pub(crate) address: String,
    /// `module.x` (indices kept), or empty for the root module.
    pub(crate) module: String,
    pub(crate) mode: String,
    pub(crate) kind: String,
    /// Its attributes as the side knows them.
    pub(crate) values: Map<String, Value>,
    /// `change.after_unknown`: the attributes known only after apply.
    pub(crate) unknown: Value,
    /// The configuration block: `expressions` with their `references`.
    pub(crate) config: Option<Value>,
    /// The account, where the provider configuration or `--account-of` says.
    pub(crate) account: Option<String>,
    /// The role the provider assumes (`assume_role.role_arn`): who makes the resource.
    pub(crate) deployer: Option<String>,
    pub(crate) region: String,
}

impl Resource {
    /// A string attribute, when known.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
    }

    /// Whether `name` is unknown until apply.
    pub(crate) fn is_unknown(&self, name: &str) -> bool {
        self.unknown
            .get(name)
            .is_some_and(|value| value != &Value::Bool(false))
    }

    /// The first block of a nested block list (`rule[0]`), or the object itself.
    pub(crate) fn block(&self, name: &str) -> Option<&Map<String, Value>> {
        first_block(self.values.get(name)?)
    }

    /// Strings of a list or set attribute.
    pub(crate) fn strings(&self, name: &str) -> Vec<String> {
        strings(self.values.get(name))
    }

    /// The references the configuration makes in attribute `path` (nested blocks by name).
    pub(crate) fn references(&self, path: &[&str]) -> Vec<String> {
        let mut at = self
            .config
            .as_ref()
            .and_then(|config| config.get("expressions"));
        for key in path {
            at = at.and_then(|value| match value {
                Value::Array(items) => items.first().and_then(|item| item.get(*key)),
                other => other.get(*key),
            });
        }
        strings(at.and_then(|expression| expression.get("references")))
    }
}

/// The first block of a nested block list, or the object itself.
pub(crate) fn first_block(value: &Value) -> Option<&Map<String, Value>> {
    match value {
        Value::Array(items) => items.first().and_then(Value::as_object),
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The strings of a JSON list (or one string).
pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(text)) if !text.is_empty() => vec![text.clone()],
        _ => Vec::new(),
    }
}

/// The plan, read for one side.
pub(crate) struct Plan {
    pub(crate) resources: Vec<Resource>,
    /// Provider configurations whose account nobody says, with the resources that use them.
    pub(crate) unaccounted: BTreeMap<String, Vec<String>>,
}

/// Reads `text` as a plan, for `side`; `account_of` maps provider keys to account ids.
pub(crate) fn read(
    text: &str,
    side: Side,
    account_of: &BTreeMap<String, String>,
) -> Result<Plan, TerraformError> {
    let root: Value = serde_json::from_str(text).map_err(|error| TerraformError::Json {
        line: error.line(),
        column: error.column(),
        message: error.to_string(),
    })?;
    let version = root
        .get("format_version")
        .and_then(Value::as_str)
        .ok_or(TerraformError::NotAPlan)?;
    if version.split('.').next() != Some("1") {
        return Err(TerraformError::Version(version.to_owned()));
    }
    let providers = providers(&root, account_of);
    let configs = configurations(&root);
    let unknown: BTreeMap<&str, &Value> = match side {
        Side::Before => BTreeMap::new(),
        Side::After => root
            .get("resource_changes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|change| {
                let address = change.get("address")?.as_str()?;
                Some((address, change.get("change")?.get("after_unknown")?))
            })
            .collect(),
    };
    let module_root = match side {
        Side::Before => root
            .get("prior_state")
            .and_then(|state| state.get("values")),
        Side::After => root.get("planned_values"),
    }
    .and_then(|values| values.get("root_module"));
    let mut raw = Vec::new();
    if let Some(module) = module_root {
        collect(module, &mut raw);
    }
    let mut plan = Plan {
        resources: Vec::with_capacity(raw.len()),
        unaccounted: BTreeMap::new(),
    };
    for item in raw {
        let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default();
        let address = text("address").to_owned();
        let module = module_of(&address);
        let config_key = format!(
            "{}{}.{}",
            config_module_path(&module),
            text("type"),
            text("name")
        );
        let config = configs.get(&config_key).cloned();
        let provider = config
            .as_ref()
            .and_then(|config| config.get("provider_config_key"))
            .and_then(Value::as_str)
            .map_or_else(|| default_provider(text("type")), str::to_owned);
        let (account, region, deployer) = providers
            .get(&provider)
            .or_else(|| providers.get(provider.rsplit(':').next().unwrap_or_default()))
            .cloned()
            .unwrap_or_else(|| (lookup(account_of, &provider), None, None));
        let values = item
            .get("values")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        // A resource's own ARN says its account when the provider does not.
        let account = account.or_else(|| {
            values
                .get("arn")
                .and_then(Value::as_str)
                .and_then(|arn| arn.split(':').nth(4))
                .filter(|account| account.len() == 12)
                .map(str::to_owned)
        });
        if account.is_none()
            && text("mode") == "managed"
            && !text("type").starts_with("databricks_")
        {
            plan.unaccounted
                .entry(provider.clone())
                .or_default()
                .push(address.clone());
        }
        plan.resources.push(Resource {
            unknown: unknown
                .get(address.as_str())
                .map_or(Value::Null, |value| (*value).clone()),
            address,
            module,
            mode: text("mode").to_owned(),
            kind: text("type").to_owned(),
            values,
            config,
            account,
            deployer,
            region: region.unwrap_or_else(|| "us-east-1".to_owned()),
        });
    }
    Ok(plan)
}

/// `aws` for `aws_iam_role`: the default configuration of the type's provider.
fn default_provider(kind: &str) -> String {
    kind.split('_').next().unwrap_or_default().to_owned()
}

/// `--account-of` by the key as Terraform writes it (`aws.lake`, `module.x:aws`) or by alias.
fn lookup(account_of: &BTreeMap<String, String>, key: &str) -> Option<String> {
    let bare = key.rsplit(':').next().unwrap_or(key);
    let alias = bare.split_once('.').map_or(bare, |(_, alias)| alias);
    account_of
        .get(key)
        .or_else(|| account_of.get(bare))
        .or_else(|| account_of.get(alias))
        .cloned()
}

/// Every resource of a module and its children.
fn collect<'a>(module: &'a Value, out: &mut Vec<&'a Value>) {
    out.extend(
        module
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect(child, out);
    }
}

/// `module.a[0].module.b` of `module.a[0].module.b.aws_x.y["k"]`.
pub(crate) fn module_of(address: &str) -> String {
    let mut module = String::new();
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find('.').unwrap_or(after.len());
        let name = after.get(..end).unwrap_or_default();
        if !module.is_empty() {
            module.push('.');
        }
        module.push_str("module.");
        module.push_str(name);
        rest = after.get(end + 1..).unwrap_or_default();
    }
    module
}

/// The configuration's path of a module (`a/b/`), its instance keys dropped.
fn config_module_path(module: &str) -> String {
    module
        .split("module.")
        .filter(|part| !part.is_empty())
        .map(|part| {
            let name = part.trim_end_matches('.');
            let name = name.split('[').next().unwrap_or(name);
            format!("{name}/")
        })
        .collect()
}

/// The configuration of every resource, by `a/b/TYPE.NAME` (data sources `data.TYPE.NAME`).
fn configurations(root: &Value) -> BTreeMap<String, Value> {
    fn walk(module: &Value, path: &str, out: &mut BTreeMap<String, Value>) {
        for resource in module
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(address) = resource.get("address").and_then(Value::as_str) {
                let address = address.strip_prefix("data.").unwrap_or(address);
                out.insert(format!("{path}{address}"), resource.clone());
            }
        }
        for (name, call) in module
            .get("module_calls")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(child) = call.get("module") {
                walk(child, &format!("{path}{name}/"), out);
            }
        }
    }
    let mut out = BTreeMap::new();
    if let Some(module) = root
        .get("configuration")
        .and_then(|config| config.get("root_module"))
    {
        walk(module, "", &mut out);
    }
    out
}

/// What a provider configuration says: its account, Region and the role it assumes.
type ProviderFacts = (Option<String>, Option<String>, Option<String>);

/// The account and Region of every provider configuration, by its key.
fn providers(
    root: &Value,
    account_of: &BTreeMap<String, String>,
) -> BTreeMap<String, ProviderFacts> {
    let mut out = BTreeMap::new();
    for (key, provider) in root
        .get("configuration")
        .and_then(|config| config.get("provider_config"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let expressions = provider.get("expressions");
        let constant = |name: &str| {
            expressions
                .and_then(|expressions| expressions.get(name))
                .and_then(|expression| expression.get("constant_value"))
        };
        let role_arn = expressions
            .and_then(|expressions| expressions.get("assume_role"))
            .and_then(|blocks| match blocks {
                Value::Array(items) => items.first(),
                other => Some(other),
            })
            .and_then(|block| block.get("role_arn"))
            .and_then(|expression| expression.get("constant_value"))
            .and_then(Value::as_str);
        let from_role = role_arn
            .and_then(|arn| arn.split(':').nth(4))
            .filter(|account| account.len() == 12)
            .map(str::to_owned);
        let allowed = strings(constant("allowed_account_ids"));
        let from_allowed = match allowed.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        // The databricks provider's `account_id`: the Databricks account (Unity Catalog's
        // external id), not an AWS account.
        let from_databricks = (provider.get("name").and_then(Value::as_str) == Some("databricks"))
            .then(|| {
                constant("account_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .flatten();
        let account = lookup(account_of, key)
            .or(from_role)
            .or(from_allowed)
            .or(from_databricks);
        let region = constant("region")
            .and_then(Value::as_str)
            .map(str::to_owned);
        out.insert(key.clone(), (account, region, role_arn.map(str::to_owned)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_addresses() {
        assert_eq!(module_of("aws_iam_role.a"), "");
        assert_eq!(module_of("module.x.aws_iam_role.a[0]"), "module.x");
        assert_eq!(
            module_of("module.x[\"k\"].module.y.aws_iam_role.a"),
            "module.x[\"k\"].module.y"
        );
        assert_eq!(config_module_path("module.x[\"k\"].module.y"), "x/y/");
        assert_eq!(config_module_path(""), "");
    }

    #[test]
    fn account_of_by_key_or_alias() {
        let map = BTreeMap::from([("lake".to_owned(), "222222222222".to_owned())]);
        assert_eq!(lookup(&map, "aws.lake").as_deref(), Some("222222222222"));
        assert_eq!(
            lookup(&map, "module.x:aws.lake").as_deref(),
            Some("222222222222")
        );
        assert_eq!(lookup(&map, "aws"), None);
    }
}
