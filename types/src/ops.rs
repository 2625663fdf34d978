//! Operations on the wire: readiness (`GET /api/v1/ready`, `POST /api/v1/admin/reload`).

use serde::{Deserialize, Serialize};

/// Why the last model reload was refused (the previous model, if any, stayed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelProblem {
    /// One line per problem: `file:line:column: error[code]: message`.
    pub errors: Vec<String>,
}

/// Readiness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadyResponse {
    /// Both a model and a warehouse version are loaded.
    pub ready: bool,
    /// Successful model loads so far.
    pub model_generation: Option<u64>,
    /// Warehouse version served.
    pub warehouse_version: Option<String>,
    /// Why the last model reload was refused.
    pub model_problem: Option<ModelProblem>,
    /// Why the warehouse cannot be read.
    pub warehouse_problem: Option<String>,
    /// Warnings of the loaded model.
    pub model_warnings: Vec<String>,
    /// Seconds since start.
    pub uptime_seconds: u64,
    /// The Ballista cluster queries run on; absent when they run in the server's process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterStatus>,
}

/// The cluster a server runs queries on, as its scheduler reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterStatus {
    /// The engine setting, `ballista://host:port`.
    pub engine: String,
    /// Executors alive; absent when the scheduler could not be asked.
    pub executors: Option<u64>,
    /// Why the scheduler could not be asked, or why no query can run.
    pub problem: Option<String>,
}

/// One published warehouse version (`GET /api/v1/warehouse/versions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WarehouseVersion {
    /// The version id; pass it as `as_of` to run a query on this version.
    pub version: String,
    /// Its number in the warehouse's manifest log.
    pub sequence: u64,
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// The version the server serves by default.
    pub current: bool,
    /// Row count of each table.
    pub tables: std::collections::BTreeMap<String, u64>,
}

/// What a client that offers the versions to choose from reads of each one in a
/// [`WarehouseVersions`] answer: decoding it skips the sequence and the row counts (the web
/// app's dashboard page carries no decoder of them).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VersionHead {
    /// The version id.
    pub version: String,
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// The version the server serves by default.
    pub current: bool,
}

/// The published versions a query can run on, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WarehouseVersions {
    /// The versions still kept, newest first.
    pub versions: Vec<WarehouseVersion>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head reads each version of the answer as the server writes it.
    #[test]
    fn version_heads_read_the_versions_answer() {
        let answer = WarehouseVersions {
            versions: vec![WarehouseVersion {
                version: "v7".into(),
                sequence: 7,
                published_at: "2026-12-07T18:33:00Z".into(),
                current: true,
                tables: std::collections::BTreeMap::from([("fact_orders".into(), 10)]),
            }],
        };
        let json = serde_json::to_value(&answer).unwrap();
        let heads: Vec<VersionHead> = Deserialize::deserialize(&json["versions"]).unwrap();
        assert_eq!(
            heads,
            [VersionHead {
                version: "v7".into(),
                published_at: "2026-12-07T18:33:00Z".into(),
                current: true,
            }]
        );
    }
}
