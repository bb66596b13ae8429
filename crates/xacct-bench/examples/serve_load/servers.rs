//! The two servers of a run, each started as its own process on a free loopback port, and the
//! credentials each is called with: for `xacct serve`, a profile of the config file it wrote
//! (an AssumeRole profile is assumed through the served STS first, as an SDK does); for moto,
//! any keys (moto's server verifies no signature).

use crate::sign::{element, Connection, Error, Target};
use aws_credential_types::Credentials;
use bytes::Bytes;
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A started server, killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> Result<u16, Error> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until something accepts connections on `port` (60 s at most).
pub fn wait_for(port: u16) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listens on port {port} after 60 s").into())
}

/// `xacct serve SCENARIO` with `binary` (the CLI), or this program's own server mode (the
/// same `xacct_serve::serve` the CLI calls) when no binary is given.
pub fn start_xacct(binary: Option<&Path>, scenario: &Path, data: &Path) -> Result<Server, Error> {
    let port = free_port()?;
    let mut command = match binary {
        Some(binary) => {
            let mut command = Command::new(binary);
            command.arg("serve");
            command
        }
        None => {
            let mut command = Command::new(std::env::current_exe()?);
            command.arg("serve-child");
            command
        }
    };
    let child = command
        .arg(scenario)
        .args(["--port", &port.to_string(), "--data"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let server = Server { child, port };
    wait_for(port)?;
    // The server listens before it writes its config file: wait for the file too.
    let config = data.join("aws-config");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&config).is_ok_and(|text| text.contains("[profile ")) {
        if Instant::now() > deadline {
            return Err(format!("{} was not written within 60 s", config.display()).into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

/// `PYTHON -m moto.server -p PORT` (moto binds 127.0.0.1).
pub fn start_moto(python: &Path) -> Result<Server, Error> {
    let port = free_port()?;
    let child = Command::new(python)
        .args(["-m", "moto.server", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server { child, port };
    wait_for(port)?;
    Ok(server)
}

/// The `[profile NAME]` sections of an AWS config file, as key/value maps.
pub fn profiles(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line
            .strip_prefix("[profile ")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            current = Some(name.trim().to_owned());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if let (Some(profile), Some((key, value))) = (&current, line.split_once('=')) {
            out.entry(profile.clone())
                .or_default()
                .insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    out
}

fn keys_of(profile: &HashMap<String, String>) -> Option<Credentials> {
    Some(Credentials::new(
        profile.get("aws_access_key_id")?,
        profile.get("aws_secret_access_key")?,
        profile.get("aws_session_token").cloned(),
        None,
        "xacct-serve-config",
    ))
}

/// The credentials of `name` in the config file xacct serve wrote to `data`: its keys, or
/// the session AssumeRole (through the served STS, signed with the source profile's keys)
/// returns for an AssumeRole profile.
pub async fn credentials(data: &Path, port: u16, name: &str) -> Result<Credentials, Error> {
    let config: PathBuf = data.join("aws-config");
    let all = profiles(&std::fs::read_to_string(&config)?);
    let profile = all
        .get(name)
        .ok_or_else(|| format!("{} has no profile {name}", config.display()))?;
    if let Some(keys) = keys_of(profile) {
        return Ok(keys);
    }
    let (Some(role), Some(source)) = (profile.get("role_arn"), profile.get("source_profile"))
    else {
        return Err(format!("profile {name} has neither keys nor role_arn").into());
    };
    let source_keys = all
        .get(source)
        .and_then(keys_of)
        .ok_or_else(|| format!("source profile {source} has no keys"))?;
    let target = Target::new("xacct serve", port, source_keys);
    let mut form = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleSessionName=serve-load&RoleArn={}",
        role.replace(':', "%3A").replace('/', "%2F")
    );
    if let Some(id) = profile.get("external_id") {
        form.push_str(&format!("&ExternalId={id}"));
    }
    let mut connection = Connection::open(&target.authority).await?;
    let (status, body) = connection
        .send(
            &target,
            "sts",
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            Bytes::from(form),
        )
        .await?;
    let text = String::from_utf8_lossy(&body);
    if !status.is_success() {
        return Err(format!("AssumeRole {role} failed ({status}): {text}").into());
    }
    let field = |name: &str| {
        element(&text, name)
            .map(str::to_owned)
            .ok_or_else(|| format!("AssumeRole's answer has no {name}: {text}"))
    };
    Ok(Credentials::new(
        field("AccessKeyId")?,
        field("SecretAccessKey")?,
        Some(field("SessionToken")?),
        None,
        "assumed-role",
    ))
}

/// Creates `bucket` (moto starts empty).
pub async fn create_bucket(target: &Target, bucket: &str) -> Result<(), Error> {
    let mut connection = Connection::open(&target.authority).await?;
    let (status, body) = connection
        .send(
            target,
            "s3",
            "PUT",
            &format!("/{bucket}"),
            &[],
            Bytes::new(),
        )
        .await?;
    if !status.is_success() {
        return Err(format!(
            "CreateBucket {bucket} failed ({status}): {}",
            String::from_utf8_lossy(&body)
        )
        .into());
    }
    Ok(())
}
