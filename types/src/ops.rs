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
}
