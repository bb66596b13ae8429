//! Which Spark Kinesis connector an options file is written for. Each reads its own option
//! names and takes credentials its own way, so the same stream can be read by different
//! identities depending on the connector:
//!
//! | Connector | Role to assume | Long-lived keys | Without either |
//! |---|---|---|---|
//! | Databricks (`format("kinesis")` on Databricks) | `roleArn`, `roleExternalId`, `roleSessionName` | `awsAccessKey`/`awsSecretKey`, which then assume `roleArn` | the instance profile |
//! | AWS Glue streaming (`connection_type="kinesis"`) | `awsSTSRoleARN`, `awsSTSSessionName` | none | the job's role |
//! | Open-source `kinesis-sql` (qubole) | `awsSTSRoleARN`, `awsSTSSessionName` | `awsAccessKeyId`/`awsSecretKey`, which win over the role | the instance profile |
//!
//! Databricks: <https://docs.databricks.com/aws/en/connect/streaming/kinesis>; Glue:
//! <https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-connect-kinesis-home.html>;
//! kinesis-sql: the option names of its `KinesisSourceProvider` (case-insensitive; `regionName`
//! defaults to `us-east-1`; `awsAccessKeyId` is used before `awsSTSRoleARN`).

use serde::Serialize;

/// A Spark Kinesis connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KinesisConnector {
    Databricks,
    GlueStreaming,
    OpenSource,
}

/// Databricks options that decide the identity or the stream.
pub(crate) const DATABRICKS_KEY: [&str; 14] = [
    "streamName",
    "streamARN",
    "region",
    "endpoint",
    "roleArn",
    "roleExternalId",
    "roleSessionName",
    "stsEndpoint",
    "awsAccessKey",
    "awsSecretKey",
    "awsUseInstanceProfile",
    "serviceCredential",
    "consumerMode",
    "initialPosition",
];

/// Other documented Databricks options: accepted, not modelled.
const DATABRICKS_OTHER: [&str; 16] = [
    "consumerName",
    "consumerNamePrefix",
    "registeredConsumerId",
    "registeredConsumerIdType",
    "requireConsumerDeregistration",
    "maxRecordsPerFetch",
    "maxFetchRate",
    "minFetchPeriod",
    "maxFetchDuration",
    "fetchBufferSize",
    "shardsPerTask",
    "shardFetchInterval",
    "coalesceThresholdBlockSize",
    "coalesceBinSize",
    "maxShardsPerDescribe",
    "avoidEmptyBatches",
];

/// AWS Glue streaming Kinesis connection options (`KinesisStreamingSourceOptions`).
const GLUE: [&str; 23] = [
    "streamARN",
    "streamName",
    "endpointUrl",
    "awsSTSRoleARN",
    "awsSTSSessionName",
    "classification",
    "delimiter",
    "inferSchema",
    "startingPosition",
    "startingTimestamp",
    "maxFetchTimeInMs",
    "maxFetchRecordsPerShard",
    "maxRecordPerRead",
    "addIdleTimeBetweenReads",
    "idleTimeBetweenReadsInMs",
    "describeShardInterval",
    "numRetries",
    "retryIntervalMs",
    "maxRetryIntervalMs",
    "avoidEmptyBatches",
    "addRecordTimestamp",
    "emitConsumerLagMetrics",
    "schema",
];

/// Open-source `kinesis-sql` options; `kinesis.*` keys pass through to the client.
const OPEN_SOURCE: [&str; 10] = [
    "streamName",
    "endpointUrl",
    "regionName",
    "awsAccessKeyId",
    "awsSecretKey",
    "sessionToken",
    "awsSTSRoleARN",
    "awsSTSSessionName",
    "startingPosition",
    "failOnDataLoss",
];

impl KinesisConnector {
    const ALL: [KinesisConnector; 3] = [
        KinesisConnector::Databricks,
        KinesisConnector::GlueStreaming,
        KinesisConnector::OpenSource,
    ];

    /// How explanations name it.
    pub fn name(self) -> &'static str {
        match self {
            KinesisConnector::Databricks => "the Databricks Kinesis connector",
            KinesisConnector::GlueStreaming => "AWS Glue streaming",
            KinesisConnector::OpenSource => "the open-source kinesis-sql connector",
        }
    }

    /// Every option name it reads, in its documented spelling.
    pub(crate) fn options(self) -> Vec<&'static str> {
        match self {
            KinesisConnector::Databricks => DATABRICKS_KEY
                .iter()
                .chain(DATABRICKS_OTHER.iter())
                .copied()
                .collect(),
            KinesisConnector::GlueStreaming => GLUE.to_vec(),
            KinesisConnector::OpenSource => OPEN_SOURCE.to_vec(),
        }
    }

    /// Whether it reads `name` (compared without case, as Spark compares option names).
    pub(crate) fn reads(self, name: &str) -> bool {
        (self == KinesisConnector::OpenSource && name.to_ascii_lowercase().starts_with("kinesis."))
            || self
                .options()
                .iter()
                .any(|option| option.eq_ignore_ascii_case(name))
    }

    /// The connector whose option set holds the most of `names`; on a tie Databricks, then
    /// Glue streaming (the order of the table above).
    pub(crate) fn detect<'n>(names: impl Iterator<Item = &'n str> + Clone) -> KinesisConnector {
        let mut best = KinesisConnector::Databricks;
        let mut best_count = 0;
        for connector in KinesisConnector::ALL {
            let count = names.clone().filter(|name| connector.reads(name)).count();
            if count > best_count {
                best = connector;
                best_count = count;
            }
        }
        best
    }

    /// Another connector that reads `name`, for "this option belongs to X" findings.
    pub(crate) fn other_reading(self, name: &str) -> Option<KinesisConnector> {
        KinesisConnector::ALL
            .into_iter()
            .find(|connector| *connector != self && connector.reads(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_option_set_picks_its_connector() {
        let detect = |names: &[&str]| KinesisConnector::detect(names.iter().copied());
        assert_eq!(
            detect(&["streamName", "region", "roleArn"]),
            KinesisConnector::Databricks
        );
        assert_eq!(
            detect(&[
                "streamARN",
                "awsSTSRoleARN",
                "awsSTSSessionName",
                "classification"
            ]),
            KinesisConnector::GlueStreaming
        );
        assert_eq!(
            detect(&["streamName", "awsAccessKeyId", "awsSecretKey", "regionName"]),
            KinesisConnector::OpenSource
        );
        assert_eq!(
            detect(&[
                "streamname",
                "kinesis.executor.maxFetchTimeInMs",
                "awsstsrolearn"
            ]),
            KinesisConnector::OpenSource
        );
        assert_eq!(detect(&["streamName"]), KinesisConnector::Databricks);
    }
}
