//! A loaded world in a snapshot (`xacct_policy::snapshot`): what `load` returns, field by
//! field, for the worlds the cache keeps (see [`cacheable`]).

use crate::import::LeftOut;
use crate::model::{
    Account, Bucket, Expectation, Group, InstanceProfile, Key, Organization, Origin, OsUser, Role,
    Stream, Unit, User, World, Writer,
};
use crate::Loaded;
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::snapshot::{Damaged, Decoder, Encoder};
use xacct_policy::{Finding, Severity, SourcedFinding};
use xacct_s3::{BlockPublicAccess, CannedAcl, DefaultEncryption, ObjectOwnership};

pub(super) type Read<T> = Result<T, Damaged>;

/// Why a world is not kept, when it is not: the parts of a world this snapshot does not
/// write (compute settings, Unity Catalog and plan intents, whose external ids may be drawn
/// anew on each load; buckets assumed for a question). Such a world is loaded from its files
/// every time. The Lake Formation and Glue parts and the access points are written
/// (`cache::lake`): a collected organization holds them.
pub(crate) fn cacheable(world: &World) -> Result<(), &'static str> {
    // Every field named, none with `..`: a field added to the world (or the lake) does not
    // compile here until it is written by the snapshot or listed as a reason not to keep the
    // world, so a cached world never silently lacks it.
    let World {
        organization: _,
        accounts: _,
        roles: _,
        users: _,
        groups: _,
        instance_profiles: _,
        buckets: _,
        access_points: _,
        keys: _,
        streams: _,
        compute,
        lake: _,
        unity_catalog,
        catalog_policies: _,
        expectations: _,
        intents,
        request_time: _,
        assumed_buckets,
    } = world;
    let checks = [
        (compute.is_empty(), "compute"),
        (intents.is_empty(), "intents"),
        (assumed_buckets.is_empty(), "assumed buckets"),
        (unity_catalog.is_empty(), "Unity Catalog"),
    ];
    match checks.iter().find(|(fine, _)| !fine) {
        Some((_, what)) => Err(what),
        None => Ok(()),
    }
}

/// The `&'static str` of a text read back (finding codes, kinds of entities left out, the
/// kinds of files read): one leaked copy per distinct text for the life of the process,
/// which is a few dozen short texts.
pub(crate) fn static_text(text: &str) -> &'static str {
    static TEXTS: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let Ok(mut texts) = TEXTS.lock() else {
        return Box::leak(text.to_owned().into_boxed_str());
    };
    let texts = texts.get_or_insert_with(HashSet::new);
    if let Some(known) = texts.get(text) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
    texts.insert(leaked);
    leaked
}

pub(crate) fn encode_loaded(encoder: &mut Encoder, loaded: &Loaded) {
    encoder.source(&loaded.manifest);
    encoder.seq(&loaded.findings, |encoder, sourced| {
        let finding = &sourced.finding;
        encoder.bool(finding.severity == Severity::Error);
        encoder.str(finding.code);
        encoder.str(&finding.message);
        encoder.opt_str(finding.help.as_deref());
        encoder.span(finding.span);
        encoder.source(&sourced.source);
    });
    encoder.seq(&loaded.left_out, |encoder, entity| {
        encoder.str(entity.kind);
        encoder.str(&entity.entity);
        encoder.str(&entity.reason);
        encoder.seq(&entity.findings, |encoder, index| encoder.usize(*index));
    });
    world(encoder, &loaded.world);
}

pub(crate) fn decode_loaded(decoder: &mut Decoder<'_>) -> Read<Loaded> {
    let manifest = decoder.source()?;
    let findings = decoder.seq(|decoder| {
        let severity = if decoder.bool()? {
            Severity::Error
        } else {
            Severity::Warning
        };
        let finding = Finding {
            severity,
            code: static_text(decoder.str()?),
            message: decoder.string()?,
            help: decoder.opt_string()?,
            span: decoder.span()?,
        };
        Ok(SourcedFinding {
            finding,
            source: decoder.source()?,
        })
    })?;
    let left_out = decoder.seq(|decoder| {
        Ok(LeftOut {
            kind: static_text(decoder.str()?),
            entity: decoder.string()?,
            reason: decoder.string()?,
            findings: decoder.seq(Decoder::usize)?,
        })
    })?;
    let world = decode_world(decoder)?;
    Ok(Loaded {
        world,
        findings,
        manifest,
        left_out,
    })
}

fn sourced(encoder: &mut Encoder, policy: &SourcedPolicy) {
    encoder.policy(&policy.policy);
    encoder.str(&policy.label);
    encoder.option(policy.source.as_ref(), Encoder::source);
}

fn read_sourced(decoder: &mut Decoder<'_>) -> Read<SourcedPolicy> {
    Ok(SourcedPolicy {
        policy: decoder.policy()?,
        label: decoder.string()?,
        source: decoder.option(Decoder::source)?,
    })
}

fn policies(encoder: &mut Encoder, policies: &[SourcedPolicy]) {
    encoder.seq(policies, sourced);
}

fn read_policies(decoder: &mut Decoder<'_>) -> Read<Vec<SourcedPolicy>> {
    decoder.seq(read_sourced)
}

pub(super) fn optional_policy(encoder: &mut Encoder, policy: Option<&SourcedPolicy>) {
    encoder.option(policy, sourced);
}

pub(super) fn read_optional_policy(decoder: &mut Decoder<'_>) -> Read<Option<SourcedPolicy>> {
    decoder.option(read_sourced)
}

/// An origin in a file is the file (shared, written once) and the span; any other is its
/// two texts, and one of neither is empty texts. The location is made again when asked.
pub(super) fn origin(encoder: &mut Encoder, origin: &Origin) {
    if let Some(source) = origin.source() {
        encoder.u8(1);
        encoder.source(source);
        encoder.span(origin.span);
    } else if origin.file().is_empty() && origin.location().is_empty() {
        encoder.u8(0);
        encoder.span(origin.span);
    } else {
        encoder.u8(2);
        encoder.str(origin.file());
        encoder.str(&origin.location());
        encoder.span(origin.span);
    }
}

pub(super) fn read_origin(decoder: &mut Decoder<'_>) -> Read<Origin> {
    let mut origin = match decoder.u8()? {
        0 => Origin::default(),
        1 => {
            let source = decoder.source()?;
            return Ok(Origin::in_file(&source, decoder.span()?));
        }
        2 => Origin::described(decoder.string()?, decoder.string()?),
        _ => return Err(Damaged("an origin of no known kind")),
    };
    origin.span = decoder.span()?;
    Ok(origin)
}

fn tags(encoder: &mut Encoder, tags: &crate::tags::Tags) {
    encoder.usize(tags.len());
    for (key, value) in tags {
        encoder.str(key);
        encoder.str(value);
    }
}

fn read_tags(decoder: &mut Decoder<'_>) -> Read<crate::tags::Tags> {
    let pairs = decoder.seq(|decoder| Ok((decoder.string()?, decoder.string()?)))?;
    Ok(pairs.into_iter().collect())
}

fn text_map(encoder: &mut Encoder, map: &BTreeMap<String, String>) {
    encoder.usize(map.len());
    for (key, value) in map {
        encoder.str(key);
        encoder.str(value);
    }
}

fn read_text_map(decoder: &mut Decoder<'_>) -> Read<BTreeMap<String, String>> {
    let pairs = decoder.seq(|decoder| Ok((decoder.string()?, decoder.string()?)))?;
    Ok(pairs.into_iter().collect())
}

/// A map written in key order and read back in the same order: the keys are the values'
/// own (an ARN, a name), so only the values are written.
fn map<K, V>(encoder: &mut Encoder, map: &BTreeMap<K, V>, write: impl FnMut(&mut Encoder, &V)) {
    let values: Vec<&V> = map.values().collect();
    let mut write = write;
    encoder.seq(&values, |encoder, value| write(encoder, value));
}

fn read_map<K: Ord, V>(
    decoder: &mut Decoder<'_>,
    read: impl FnMut(&mut Decoder<'_>) -> Read<V>,
    key: impl Fn(&V) -> K,
) -> Read<BTreeMap<K, V>> {
    let values = decoder.seq(read)?;
    let count = values.len();
    let map: BTreeMap<K, V> = values
        .into_iter()
        .map(|value| (key(&value), value))
        .collect();
    if map.len() == count {
        Ok(map)
    } else {
        Err(Damaged("a key written twice"))
    }
}

pub(super) fn block_public_access(encoder: &mut Encoder, settings: &BlockPublicAccess) {
    encoder.bool(settings.block_public_acls);
    encoder.bool(settings.ignore_public_acls);
    encoder.bool(settings.block_public_policy);
    encoder.bool(settings.restrict_public_buckets);
}

pub(super) fn read_block_public_access(decoder: &mut Decoder<'_>) -> Read<BlockPublicAccess> {
    Ok(BlockPublicAccess {
        block_public_acls: decoder.bool()?,
        ignore_public_acls: decoder.bool()?,
        block_public_policy: decoder.bool()?,
        restrict_public_buckets: decoder.bool()?,
    })
}

fn world(encoder: &mut Encoder, world: &World) {
    encoder.option(world.organization.as_ref(), |encoder, organization| {
        encoder.str(&organization.id);
        encoder.account(organization.management_account);
        text_keyed(encoder, &organization.units, |encoder, unit| {
            encoder.str(&unit.name);
            encoder.str(&unit.id);
            encoder.opt_str(unit.parent.as_deref());
            policies(encoder, &unit.scps);
            policies(encoder, &unit.rcps);
        });
    });
    map(encoder, &world.accounts, |encoder, account| {
        encoder.account(account.id);
        encoder.opt_str(account.name.as_deref());
        encoder.opt_str(account.unit.as_deref());
        policies(encoder, &account.scps);
        policies(encoder, &account.rcps);
        block_public_access(encoder, &account.block_public_access);
    });
    text_keyed(encoder, &world.roles, |encoder, boxed| role(encoder, boxed));
    text_keyed(encoder, &world.users, |encoder, user| {
        encoder.str(&user.arn);
        encoder.account(user.account);
        encoder.str(&user.name);
        policies(encoder, &user.policies);
        encoder.strings(&user.groups);
        optional_policy(encoder, user.boundary.as_ref());
        tags(encoder, &user.tags);
        origin(encoder, &user.origin);
    });
    text_keyed(encoder, &world.groups, |encoder, group| {
        encoder.str(&group.arn);
        encoder.account(group.account);
        encoder.str(&group.name);
        policies(encoder, &group.policies);
    });
    text_keyed(encoder, &world.instance_profiles, |encoder, profile| {
        encoder.str(&profile.arn);
        encoder.account(profile.account);
        encoder.str(&profile.name);
        encoder.str(&profile.role);
        origin(encoder, &profile.origin);
    });
    text_keyed(encoder, &world.buckets, bucket);
    text_keyed(encoder, &world.keys, |encoder, key| {
        encoder.str(&key.arn);
        encoder.account(key.account);
        encoder.str(&key.region);
        optional_policy(encoder, key.policy.as_ref());
        encoder.bool(key.aws_managed);
        encoder.strings(&key.aliases);
        policies(encoder, &key.grants);
        origin(encoder, &key.origin);
    });
    text_keyed(encoder, &world.streams, |encoder, stream| {
        encoder.str(&stream.arn);
        encoder.account(stream.account);
        encoder.str(&stream.region);
        encoder.str(&stream.name);
        optional_policy(encoder, stream.policy.as_ref());
        encoder.opt_str(stream.encryption_key.as_deref());
        encoder.usize(stream.consumers.len());
        for (arn, policy) in &stream.consumers {
            encoder.str(arn);
            optional_policy(encoder, policy.as_ref());
        }
        origin(encoder, &stream.origin);
    });
    let lake = &world.lake;
    encoder.bool(lake.organization_sharing);
    encoder.opt_str(lake.organization.as_deref());
    encoder.usize(lake.members.len());
    for member in &lake.members {
        encoder.account(*member);
    }
    super::lake::lake(encoder, lake);
    text_keyed(encoder, &world.access_points, super::lake::access_point);
    encoder.usize(world.catalog_policies.len());
    for ((account, region), policy) in &world.catalog_policies {
        encoder.account(*account);
        encoder.str(region);
        sourced(encoder, policy);
    }
    encoder.seq(&world.expectations, expectation);
}

/// A map by text key: the key is written too (it need not be a field of the value).
pub(super) fn text_keyed<V>(
    encoder: &mut Encoder,
    map: &BTreeMap<String, V>,
    mut write: impl FnMut(&mut Encoder, &V),
) {
    encoder.usize(map.len());
    for (key, value) in map {
        encoder.str(key);
        write(encoder, value);
    }
}

pub(super) fn read_text_keyed<V>(
    decoder: &mut Decoder<'_>,
    mut read: impl FnMut(&mut Decoder<'_>) -> Read<V>,
) -> Read<BTreeMap<String, V>> {
    let pairs = decoder.seq(|decoder| Ok((decoder.string()?, read(decoder)?)))?;
    let count = pairs.len();
    let map: BTreeMap<String, V> = pairs.into_iter().collect();
    if map.len() == count {
        Ok(map)
    } else {
        Err(Damaged("a key written twice"))
    }
}

fn role(encoder: &mut Encoder, role: &Role) {
    encoder.str(&role.arn);
    encoder.account(role.account);
    encoder.str(&role.name);
    encoder.str(&role.path);
    sourced(encoder, &role.trust);
    policies(encoder, &role.policies);
    optional_policy(encoder, role.boundary.as_ref());
    tags(encoder, &role.tags);
    encoder.u32(role.max_session_duration);
    encoder.bool(role.service_linked);
    origin(encoder, &role.origin);
}

fn read_role(decoder: &mut Decoder<'_>) -> Read<Role> {
    Ok(Role {
        arn: decoder.string()?,
        account: decoder.account()?,
        name: decoder.string()?,
        path: decoder.string()?,
        trust: read_sourced(decoder)?,
        policies: read_policies(decoder)?,
        boundary: read_optional_policy(decoder)?,
        tags: read_tags(decoder)?,
        max_session_duration: decoder.u32()?,
        service_linked: decoder.bool()?,
        origin: read_origin(decoder)?,
    })
}

fn bucket(encoder: &mut Encoder, bucket: &Bucket) {
    encoder.str(&bucket.name);
    encoder.account(bucket.account);
    encoder.opt_str(bucket.region.as_deref());
    optional_policy(encoder, bucket.policy.as_ref());
    let ownership = ObjectOwnership::ALL
        .iter()
        .position(|ownership| *ownership == bucket.ownership)
        .unwrap_or(0);
    encoder.usize(ownership);
    match &bucket.encryption {
        DefaultEncryption::SseS3 => encoder.u8(0),
        DefaultEncryption::SseKms {
            key_arn,
            bucket_key,
        } => {
            encoder.u8(1);
            encoder.str(key_arn);
            encoder.bool(*bucket_key);
        }
        DefaultEncryption::AwsManagedKms => encoder.u8(2),
    }
    block_public_access(encoder, &bucket.block_public_access);
    origin(encoder, &bucket.origin);
}

fn read_bucket(decoder: &mut Decoder<'_>) -> Read<Bucket> {
    Ok(Bucket {
        name: decoder.string()?,
        account: decoder.account()?,
        region: decoder.opt_string()?,
        policy: read_optional_policy(decoder)?,
        ownership: *ObjectOwnership::ALL
            .get(decoder.usize()?)
            .ok_or(Damaged("not an object ownership"))?,
        encryption: match decoder.u8()? {
            0 => DefaultEncryption::SseS3,
            1 => DefaultEncryption::SseKms {
                key_arn: decoder.string()?,
                bucket_key: decoder.bool()?,
            },
            2 => DefaultEncryption::AwsManagedKms,
            _ => return Err(Damaged("not a default encryption")),
        },
        block_public_access: read_block_public_access(decoder)?,
        origin: read_origin(decoder)?,
    })
}

const CANNED_ACLS: [CannedAcl; 8] = [
    CannedAcl::Private,
    CannedAcl::PublicRead,
    CannedAcl::PublicReadWrite,
    CannedAcl::AuthenticatedRead,
    CannedAcl::AwsExecRead,
    CannedAcl::BucketOwnerRead,
    CannedAcl::BucketOwnerFullControl,
    CannedAcl::LogDeliveryWrite,
];

fn context_value(encoder: &mut Encoder, value: &ContextValue) {
    match value {
        ContextValue::Single(text) => {
            encoder.u8(0);
            encoder.str(text);
        }
        ContextValue::Multi(texts) => {
            encoder.u8(1);
            encoder.strings(texts);
        }
    }
}

fn read_context_value(decoder: &mut Decoder<'_>) -> Read<ContextValue> {
    Ok(match decoder.u8()? {
        0 => ContextValue::Single(decoder.string()?),
        1 => ContextValue::Multi(decoder.strings()?),
        _ => return Err(Damaged("not a context value")),
    })
}

fn expectation(encoder: &mut Encoder, expectation: &Expectation) {
    encoder.str(&expectation.name);
    encoder.str(&expectation.from);
    encoder.strings(&expectation.via);
    encoder.bool(expectation.direct);
    encoder.strings(&expectation.actions);
    encoder.strings(&expectation.resources);
    encoder.seq(&expectation.context, |encoder, (key, value)| {
        encoder.str(key);
        context_value(encoder, value);
    });
    encoder.bool(expectation.allow);
    text_map(encoder, &expectation.external_ids);
    encoder.opt_str(expectation.session_name.as_deref());
    encoder.option(expectation.duration_seconds.as_ref(), |encoder, seconds| {
        encoder.u32(*seconds);
    });
    text_map(encoder, &expectation.session_tags);
    encoder.opt_str(expectation.source_identity.as_deref());
    optional_policy(encoder, expectation.session_policy.as_ref());
    encoder.option(expectation.runs_as.as_ref(), |encoder, os| {
        encoder.str(&os.user);
        encoder.strings(&os.groups);
    });
    encoder.option(expectation.written_by.as_ref(), |encoder, writer| {
        encoder.str(&writer.from);
        encoder.option(writer.acl.as_ref(), |encoder, acl| {
            let index = CANNED_ACLS.iter().position(|known| known == acl);
            encoder.usize(index.unwrap_or(0));
        });
    });
    encoder.opt_str(expectation.client_path.as_deref());
    encoder.strings(&expectation.read_tables);
    encoder.strings(&expectation.columns);
    encoder.str(&expectation.region);
    encoder.opt_str(expectation.code.as_deref());
    origin(encoder, &expectation.origin);
}

fn read_expectation(decoder: &mut Decoder<'_>) -> Read<Expectation> {
    Ok(Expectation {
        name: decoder.string()?,
        from: decoder.string()?,
        via: decoder.strings()?,
        direct: decoder.bool()?,
        actions: decoder.strings()?,
        resources: decoder.strings()?,
        context: decoder.seq(|decoder| Ok((decoder.string()?, read_context_value(decoder)?)))?,
        allow: decoder.bool()?,
        external_ids: read_text_map(decoder)?,
        session_name: decoder.opt_string()?,
        duration_seconds: decoder.option(Decoder::u32)?,
        session_tags: read_text_map(decoder)?,
        source_identity: decoder.opt_string()?,
        session_policy: read_optional_policy(decoder)?,
        runs_as: decoder.option(|decoder| {
            Ok(OsUser {
                user: decoder.string()?,
                groups: decoder.strings()?,
            })
        })?,
        written_by: decoder.option(|decoder| {
            Ok(Writer {
                from: decoder.string()?,
                acl: decoder.option(|decoder| {
                    CANNED_ACLS
                        .get(decoder.usize()?)
                        .copied()
                        .ok_or(Damaged("not a canned ACL"))
                })?,
            })
        })?,
        client_path: decoder.opt_string()?,
        read_tables: decoder.strings()?,
        columns: decoder.strings()?,
        region: decoder.string()?,
        code: decoder.opt_string()?,
        origin: read_origin(decoder)?,
    })
}

fn decode_world(decoder: &mut Decoder<'_>) -> Read<World> {
    let organization = decoder.option(|decoder| {
        Ok(Organization {
            id: decoder.string()?,
            management_account: decoder.account()?,
            units: read_text_keyed(decoder, |decoder| {
                Ok(Unit {
                    name: decoder.string()?,
                    id: decoder.string()?,
                    parent: decoder.opt_string()?,
                    scps: read_policies(decoder)?,
                    rcps: read_policies(decoder)?,
                })
            })?,
        })
    })?;
    let accounts = read_map(
        decoder,
        |decoder| {
            Ok(Account {
                id: decoder.account()?,
                name: decoder.opt_string()?,
                unit: decoder.opt_string()?,
                scps: read_policies(decoder)?,
                rcps: read_policies(decoder)?,
                block_public_access: read_block_public_access(decoder)?,
            })
        },
        |account| account.id,
    )?;
    let roles = read_text_keyed(decoder, |decoder| read_role(decoder).map(Box::new))?;
    let users = read_text_keyed(decoder, |decoder| {
        Ok(User {
            arn: decoder.string()?,
            account: decoder.account()?,
            name: decoder.string()?,
            policies: read_policies(decoder)?,
            groups: decoder.strings()?,
            boundary: read_optional_policy(decoder)?,
            tags: read_tags(decoder)?,
            origin: read_origin(decoder)?,
        })
    })?;
    let groups = read_text_keyed(decoder, |decoder| {
        Ok(Group {
            arn: decoder.string()?,
            account: decoder.account()?,
            name: decoder.string()?,
            policies: read_policies(decoder)?,
        })
    })?;
    let instance_profiles = read_text_keyed(decoder, |decoder| {
        Ok(InstanceProfile {
            arn: decoder.string()?,
            account: decoder.account()?,
            name: decoder.string()?,
            role: decoder.string()?,
            origin: read_origin(decoder)?,
        })
    })?;
    let buckets = read_text_keyed(decoder, read_bucket)?;
    let keys = read_text_keyed(decoder, |decoder| {
        Ok(Key {
            arn: decoder.string()?,
            account: decoder.account()?,
            region: decoder.string()?,
            policy: read_optional_policy(decoder)?,
            aws_managed: decoder.bool()?,
            aliases: decoder.strings()?,
            grants: read_policies(decoder)?,
            origin: read_origin(decoder)?,
        })
    })?;
    let streams = read_text_keyed(decoder, |decoder| {
        Ok(Stream {
            arn: decoder.string()?,
            account: decoder.account()?,
            region: decoder.string()?,
            name: decoder.string()?,
            policy: read_optional_policy(decoder)?,
            encryption_key: decoder.opt_string()?,
            consumers: {
                let pairs = decoder
                    .seq(|decoder| Ok((decoder.string()?, read_optional_policy(decoder)?)))?;
                pairs.into_iter().collect()
            },
            origin: read_origin(decoder)?,
        })
    })?;
    let mut lake = xacct_lake::Lake {
        organization_sharing: decoder.bool()?,
        organization: decoder.opt_string()?,
        members: decoder.seq(Decoder::account)?.into_iter().collect(),
        ..Default::default()
    };
    super::lake::read_lake(decoder, &mut lake)?;
    let access_points = read_text_keyed(decoder, super::lake::read_access_point)?;
    let catalog_policies = decoder.seq(|decoder| {
        Ok((
            (decoder.account()?, decoder.string()?),
            read_sourced(decoder)?,
        ))
    })?;
    let expectations = decoder.seq(read_expectation)?;
    Ok(World {
        organization,
        accounts,
        roles,
        users,
        groups,
        instance_profiles,
        buckets,
        keys,
        streams,
        access_points,
        lake,
        catalog_policies: catalog_policies.into_iter().collect(),
        expectations,
        ..World::default()
    })
}
